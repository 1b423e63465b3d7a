using Cairn.Core;
using Cairn.Storage.Replicated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage.ZooKeeper;

/// <summary>
/// The ZooKeeper backend: a <see cref="ReplicatedKeyspace"/> whose log and snapshots are kept in a ZooKeeper ensemble
/// (<see cref="ZooKeeperKeyspaceLog"/>). ZooKeeper keeps only current state and its zxids are sparse, so the keyspace's
/// revisions, history and leases are Cairn's own, carried by the log; every node keeps the state in memory, as ZooKeeper
/// keeps its tree. The whole keyspace contract holds, as on SQLite and etcd.
/// </summary>
public static class ZooKeeperKeyspace
{
    /// <summary>The name <see cref="IKeyspace.StatusAsync"/> reports.</summary>
    public const string BackendName = "zookeeper";

    /// <summary>Connects to the ensemble, makes or checks the keyspace's znodes under the root, loads the latest snapshot
    /// and the log after it; the caller disposes the keyspace.</summary>
    /// <exception cref="ZooKeeperBackendException">A setting is wrong (connect string, chroot, root, credentials).</exception>
    /// <exception cref="UnavailableException">ZooKeeper did not answer in time.</exception>
    public static async Task<IKeyspace> OpenAsync(ZooKeeperKeyspaceOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var log = await ZooKeeperKeyspaceLog.OpenAsync(options, logger, cancellationToken).ConfigureAwait(false);
        try
        {
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
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
