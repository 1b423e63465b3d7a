using Cairn.Storage.Space;
using Microsoft.Data.Sqlite;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    /// <summary>The database's pages in use, and its free pages (deletes and compaction free pages; new writes fill them
    /// before the file grows).</summary>
    public ValueTask<StoreSpace> SpaceAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var (used, free) = Read(session =>
            {
                var pageSize = (long)session.Command("PRAGMA page_size").ExecuteScalar()!;
                var pages = (long)session.Command("PRAGMA page_count").ExecuteScalar()!;
                var freePages = (long)session.Command("PRAGMA freelist_count").ExecuteScalar()!;
                return ((pages - freePages) * pageSize, freePages * pageSize);
            });
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_options.Path))!;
            return ValueTask.FromResult(new StoreSpace(used, free, PendingBytes, directory));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<StoreSpace>(ex);
        }
    }

    /// <summary>The WAL's size: at most this much of it is not yet in the database (the checkpointer keeps it under
    /// <see cref="SqliteKeyspaceOptions.MaxWalBytes"/>).</summary>
    public long PendingBytes => WalBytes();

    private long WalBytes()
    {
        var wal = new FileInfo(_options.Path + "-wal");
        return wal.Exists ? wal.Length : 0;
    }

    /// <summary>Copies the WAL into the database and truncates it to nothing (<c>wal_checkpoint(TRUNCATE)</c>), giving its
    /// bytes back to the filesystem. Waits for readers up to the busy timeout; a failure is logged and left for the next
    /// call: the WAL still holds every write.</summary>
    public async ValueTask ReclaimAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await Task.Run(
            () =>
            {
                try
                {
                    using var session = new SqliteSession(_connectionString, readOnly: false, _options.Durability);
                    session.Execute("PRAGMA wal_checkpoint(TRUNCATE);");
                }
                catch (SqliteException ex)
                {
                    LogCheckpointFailed(_logger, ex.Message);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }
}
