using System.Text;
using Cairn.Core;
using Cairn.Storage.Import;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    /// <summary>
    /// Creates a new store at <see cref="SqliteKeyspaceOptions.Path"/> holding exactly <paramref name="import"/>: every
    /// key with its own revisions, written as rows in one transaction (not as puts, which would number them anew), its
    /// current row also as its history row, and the store revision and compaction point set to the import's revision.
    /// Offline: nothing else may have the file open. On failure the new file is removed.
    /// </summary>
    /// <returns>How many keys were written.</returns>
    /// <exception cref="InvalidArgumentException">The file exists already, or a key or lease does not fit (see
    /// <see cref="KeyspaceImport.Check"/>), or a key is given twice.</exception>
    /// <exception cref="UnavailableException">The file cannot be created or written.</exception>
    public static async Task<long> ImportAsync(SqliteKeyspaceOptions options, KeyspaceImport import, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(import);
        import.CheckHeader();
        var path = System.IO.Path.GetFullPath(options.Path);
        if (File.Exists(path))
        {
            throw new InvalidArgumentException($"An import creates a new store; '{path}' exists already.");
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        var completed = false;
        try
        {
            using var session = new SqliteSession(connection, readOnly: false, SqliteDurability.Full);
            session.Execute("PRAGMA journal_mode = WAL;");
            PrepareSchema(session, path, logger ?? NullLogger.Instance);
            session.Execute("BEGIN IMMEDIATE;");
            long keys;
            try
            {
                keys = await WriteImportAsync(session, import, cancellationToken).ConfigureAwait(false);
                session.Execute("COMMIT;");
            }
            catch
            {
                RollbackQuietly(session);
                throw;
            }

            session.Execute("PRAGMA wal_checkpoint(TRUNCATE);");
            completed = true;
            return keys;
        }
        catch (SqliteException ex)
        {
            throw IsNoSpace(ex)
                ? new InsufficientStorageException($"The store at '{path}' is out of space; nothing was imported: {ex.Message}")
                : new UnavailableException($"Cannot import into the store at '{path}': {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"Cannot import into the store at '{path}': {ex.Message}", ex);
        }
        finally
        {
            if (!completed)
            {
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(path + suffix);
                }
            }
        }
    }

    private static async Task<long> WriteImportAsync(SqliteSession session, KeyspaceImport import, CancellationToken cancellationToken)
    {
        var revision = import.Revision;
        var leaseIds = new HashSet<long>();
        var grant = session.Command("INSERT INTO leases (id, ttl, granted_rev) VALUES (@p0, @p1, @p2)");
        foreach (var lease in import.Leases)
        {
            grant.Parameters["@p0"].Value = lease.Id;
            grant.Parameters["@p1"].Value = lease.TtlSeconds;
            grant.Parameters["@p2"].Value = revision;
            grant.ExecuteNonQuery();
            leaseIds.Add(lease.Id);
        }

        // Keys written in one revision (a txn) share it; the history's primary key tells them apart by position.
        var subs = new Dictionary<long, long>();
        var insert = session.Command("INSERT INTO kv (key, value, create_rev, mod_rev, version, lease) VALUES (@p0, @p1, @p2, @p3, @p4, @p5)");
        long keys = 0;
        await foreach (var kv in import.Keys.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            import.Check(kv, leaseIds);
            var keyBytes = Encoding.UTF8.GetBytes(kv.Key);
            var value = kv.Value.ToArray();
            insert.Parameters["@p0"].Value = keyBytes;
            insert.Parameters["@p1"].Value = value;
            insert.Parameters["@p2"].Value = kv.CreateRevision;
            insert.Parameters["@p3"].Value = kv.ModRevision;
            insert.Parameters["@p4"].Value = kv.Version;
            insert.Parameters["@p5"].Value = kv.Lease;
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                throw new InvalidArgumentException($"The import holds key '{kv.Key}' twice.");
            }

            var sub = subs.GetValueOrDefault(kv.ModRevision);
            subs[kv.ModRevision] = sub + 1;

            // The key's current row is its history too: a read at a revision from the import's on, once later writes
            // have moved the store past it, finds the key there.
            AppendHistory(session, kv.ModRevision, sub, keyBytes, value, kv.CreateRevision, kv.Version, kv.Lease);
            keys++;
        }

        var meta = session.Command("UPDATE meta SET revision = @p0, compact_revision = @p0 WHERE id = 1");
        meta.Parameters["@p0"].Value = revision;
        meta.ExecuteNonQuery();
        return keys;
    }
}
