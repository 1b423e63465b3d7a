using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    // How often the checkpointer looks at the WAL. Writes since the last look are copied into the database file then.
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

    private Task _checkpointer = Task.CompletedTask;

    /// <summary>
    /// Copies the write-ahead log into the database file on a connection of its own, off the writer's path.
    /// </summary>
    /// <remarks>
    /// SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages: the group-committing writer
    /// would stop taking writes while it copies pages and fsyncs the database file, and with writes spread over many
    /// keys it would do so every few dozen batches, copying the same hot pages again each time. Here the writer never
    /// checkpoints (<c>wal_autocheckpoint = 0</c>); this loop runs a PASSIVE checkpoint (which never blocks the writer
    /// or readers) every <see cref="CheckpointInterval"/> when something was written, so each page is copied once per
    /// interval however often it changed; a WAL that grew past <see cref="SqliteKeyspaceOptions.MaxWalBytes"/> (writes
    /// never paused for a passive checkpoint to finish) is finished and truncated. The WAL already holds every acknowledged write durably; a checkpoint only
    /// moves it, so a crash at any point loses nothing.
    /// </remarks>
    private async Task CheckpointLoopAsync(CancellationToken stopping)
    {
        using var session = new SqliteSession(_connectionString, readOnly: false, _options.Durability);
        var checkpointed = Volatile.Read(ref _revision);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckpointInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var revision = Volatile.Read(ref _revision);
            if (revision == checkpointed)
            {
                continue;
            }

            try
            {
                session.Execute("PRAGMA wal_checkpoint(PASSIVE);");
                checkpointed = revision;
                if (WalBytes() > _options.MaxWalBytes)
                {
                    // Writes never paused long enough for the passive checkpoints to finish the log: finish it now and
                    // truncate it, waiting (busy timeout) for the writer and readers.
                    session.Execute("PRAGMA wal_checkpoint(TRUNCATE);");
                }
            }
            catch (SqliteException ex)
            {
                // Busy or out of space: the WAL keeps everything, the next round tries again.
                LogCheckpointFailed(_logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL checkpoint failed (will retry): {Reason}")]
    private static partial void LogCheckpointFailed(ILogger logger, string reason);
}
