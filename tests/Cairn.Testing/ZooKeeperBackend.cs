using Cairn.Core;
using Cairn.Storage.ZooKeeper;

namespace Cairn.Testing;

/// <summary>
/// The ZooKeeper backend: one real standalone ZooKeeper per test process (<see cref="ZooKeeperEnsemble.SharedStandaloneAsync"/>),
/// and every store a keyspace of its own under a new root znode of it — brand-new and independent of the others, so test
/// classes on this provider (a class fixture) run in parallel. Tests that take ZooKeeper down start an ensemble of their own.
/// </summary>
public sealed class ZooKeeperBackend : Backend
{
    /// <summary>The request timeout of the stores handed out: long, because a loaded CI machine stalls for seconds and the
    /// shared server never goes away (outage tests use their own ensemble and a short timeout).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    /// <inheritdoc />
    public override string Name => "zookeeper";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync().ConfigureAwait(false);
        return await OpenAsync(server.ConnectString, NewRoot(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A root znode no other store uses.</summary>
    public static string NewRoot() => "/t-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Opens a keyspace on <paramref name="connectString"/> under <paramref name="root"/>; the caller disposes it.</summary>
    public static Task<IKeyspace> OpenAsync(string connectString, string root, TimeSpan? requestTimeout = null, TimeProvider? time = null, long snapshotEvery = 10_000, CancellationToken cancellationToken = default) =>
        ZooKeeperKeyspace.OpenAsync(
            new ZooKeeperKeyspaceOptions
            {
                ConnectString = connectString,
                Root = root,
                RequestTimeout = requestTimeout ?? RequestTimeout,
                ConnectTimeout = TimeSpan.FromSeconds(20),
                Time = time ?? TimeProvider.System,
                SnapshotEvery = snapshotEvery,
            },
            cancellationToken: cancellationToken);
}
