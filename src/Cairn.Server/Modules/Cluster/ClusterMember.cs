using Cairn.Contracts;
using Cairn.Coordination;
using Cairn.Core;
using Cairn.Server.Api;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Cluster;

/// <summary>
/// This server as a member of the cluster: once it listens, it registers (its addresses in its node record), campaigns,
/// and runs every module's leader-only work (<see cref="ILeaderService"/>s from the container) while it leads; when the
/// server stops, it stops that work, resigns and revokes its node lease first. On SQLite the "cluster" is this one node,
/// which is then always the leader.
/// </summary>
internal sealed class ClusterMember(
    IKeyspace store,
    CairnOptions host,
    ServerAddresses addresses,
    IEnumerable<ILeaderService> leaderWork,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedLifecycleService, IAbandonable, IAsyncDisposable
{
    private NodeRegistration? _registration;
    private LeaderElection? _election;
    private LeaderServices? _services;
    private bool _left;
    private readonly TaskCompletionSource _campaigned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This node's leader election.</summary>
    public ILeaderElection Election => _election ?? throw new InvalidOperationException("The cluster member has not started.");

    /// <summary>True while this node leads the cluster.</summary>
    public bool IsLeader => _election?.IsLeader ?? false;

    /// <summary>Completes once this node's first campaign has an outcome (<see cref="LeaderElection.Campaigned"/>), or it
    /// has left: readiness waits for it rather than call a node that has just started not ready.</summary>
    public Task Campaigned => _campaigned.Task;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Joins once the server listens: the node record carries the addresses actually bound.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var record = new NodeRecordDto
        {
            NodeId = host.NodeId!,
            Addresses = addresses.Api,
            StartedAt = time.GetUtcNow(),
            Version = AdminEndpoints.Version,
        };
        _registration = new NodeRegistration(store, record, host.Cluster.TtlSeconds, time, loggers.CreateLogger<NodeRegistration>());
        await _registration.StartAsync(cancellationToken).ConfigureAwait(false);
        _election = new LeaderElection(store, record.NodeId, _registration.WaitForLeaseAsync, loggers.CreateLogger<LeaderElection>());
        _services = new LeaderServices(_election, leaderWork, loggers.CreateLogger<LeaderServices>());
        _election.Start();
        _ = _election.Campaigned.ContinueWith(_ => _campaigned.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Leaves first, before the server stops listening: stops the leader work, resigns, revokes the node lease.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => LeaveAsync(giveBack: true);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Leaves, if the server did not stop through the host (a start that failed half-way).</summary>
    public async ValueTask DisposeAsync() => await LeaveAsync(giveBack: true).ConfigureAwait(false);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the leader work and campaigning, leaving the leader key and node lease to expire.</summary>
    public Task AbandonAsync() => LeaveAsync(giveBack: false);

    // Once: stops the leader work first, then the candidacy and the registration — giving back the leader key and the
    // node lease, or leaving them to expire by their TTL as a crash would.
    private async Task LeaveAsync(bool giveBack)
    {
        if (_left)
        {
            return;
        }

        _left = true;
        _campaigned.TrySetResult();
        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }

        if (_election is not null)
        {
            await (giveBack ? _election.DisposeAsync().AsTask() : _election.AbandonAsync()).ConfigureAwait(false);
        }

        if (_registration is not null)
        {
            await (giveBack ? _registration.DisposeAsync().AsTask() : _registration.AbandonAsync()).ConfigureAwait(false);
        }
    }
}
