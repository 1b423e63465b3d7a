using Cairn.Core;
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
}
