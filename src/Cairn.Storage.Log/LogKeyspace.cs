using Cairn.Core;
using Cairn.Storage.Import;
using Cairn.Storage.Replicated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.Log;

/// <summary>
/// The embedded log backend: a <see cref="ReplicatedKeyspace"/> over a <see cref="FileKeyspaceLog"/> in a local
/// directory. Current values, history since the compaction point and leases are in memory (gets and a put's read of the
/// old value touch no disk); a batch of writes is durable once its one record is appended and flushed; a snapshot of the
/// state is written every <see cref="LogKeyspaceOptions.SnapshotEvery"/> records, and the log before the previous one
/// dropped. Opening reads the snapshot and replays the records after it.
/// </summary>
public static class LogKeyspace
{
    /// <summary>The name <see cref="IKeyspace.StatusAsync"/> reports.</summary>
    public const string BackendName = "log";

    /// <summary>Opens (or creates) the store in <see cref="LogKeyspaceOptions.Directory"/>; the caller disposes it.</summary>
    /// <exception cref="UnavailableException">The directory cannot be opened, or another process has it.</exception>
    /// <exception cref="CorruptException">The log or snapshot is damaged beyond a torn tail.</exception>
    public static async Task<IKeyspace> OpenAsync(LogKeyspaceOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var log = FileKeyspaceLog.Open(new FileKeyspaceLogOptions
        {
            Directory = options.Directory,
            Durable = options.Durable,
            SegmentBytes = options.SegmentBytes,
            Logger = logger,
        });
        return await ReplicatedKeyspace.OpenAsync(
            log,
            new ReplicatedKeyspaceOptions
            {
                BackendName = BackendName,
                Time = options.Time,
                Limits = options.Limits,
                SnapshotEvery = options.SnapshotEvery,
                Logger = logger,
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a new store in <see cref="LogKeyspaceOptions.Directory"/> holding exactly <paramref name="import"/>: the
    /// keys with their own revisions (not put anew, which would number them again), as the log's snapshot, with no log
    /// records after it. The store is then opened once, to check it loads. Offline; on failure the directory is left
    /// as it was found (new or empty).
    /// </summary>
    /// <returns>How many keys were written.</returns>
    /// <exception cref="InvalidArgumentException">The directory is not empty, or a key or lease does not fit (see
    /// <see cref="KeyspaceImport.Check"/>), or a key is given twice.</exception>
    /// <exception cref="UnavailableException">The directory cannot be written.</exception>
    public static async Task<long> ImportAsync(LogKeyspaceOptions options, KeyspaceImport import, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(import);
        var directory = Path.GetFullPath(options.Directory);
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new InvalidArgumentException($"An import creates a new store; '{directory}' is not empty.");
        }

        var (snapshot, keys) = await ReplicatedKeyspace.ImportSnapshotAsync(import, options.Time, cancellationToken).ConfigureAwait(false);
        try
        {
            System.IO.Directory.CreateDirectory(directory);

            // Index 1: as if one log record had been applied; the log's first record will be index 2.
            SnapshotFile.Write(directory, 1, snapshot);
            await using var store = await OpenAsync(options with { Directory = directory }, logger, cancellationToken).ConfigureAwait(false);
            return keys;
        }
        catch (Exception ex)
        {
            foreach (var entry in System.IO.Directory.Exists(directory) ? System.IO.Directory.EnumerateFileSystemEntries(directory) : [])
            {
                File.Delete(entry);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new UnavailableException($"Cannot import into '{directory}': {ex.Message}", ex);
            }

            throw;
        }
    }
}
