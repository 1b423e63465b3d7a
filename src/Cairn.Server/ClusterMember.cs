using Cairn.Coordination;
using Cairn.Core.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>This server as a member of the cluster: its registration, its candidacy, and the leader-only work it runs
/// while it leads. On SQLite the "cluster" is this one node, which is then always the leader.</summary>
internal sealed class ClusterMember : IAsyncDisposable
{
    private readonly NodeRegistration _registration;
    private readonly LeaderElection _election;
    private readonly LeaderServices _services;

    private ClusterMember(NodeRegistration registration, LeaderElection election, LeaderServices services)
    {
        _registration = registration;
        _election = election;
        _services = services;
    }

    public ILeaderElection Election => _election;

    public static async Task<ClusterMember> StartAsync(CairnServer server, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var options = server.Options;
        var record = new NodeRecordDto
        {
            NodeId = options.NodeId!,
            Addresses = server.Addresses,
            StartedAt = TimeProvider.System.GetUtcNow(),
            Version = AdminEndpoints.Version,
        };
        var registration = new NodeRegistration(server.Store, record, options.Cluster.NodeTtlSeconds, TimeProvider.System, loggers.CreateLogger<NodeRegistration>());
        await registration.StartAsync(cancellationToken).ConfigureAwait(false);

        var election = new LeaderElection(server.Store, record.NodeId, registration.WaitForLeaseAsync, loggers.CreateLogger<LeaderElection>());
        var leaderWork = new List<ILeaderService>();
        if (options.Compaction.IntervalSeconds > 0)
        {
            leaderWork.Add(new HistoryCompactor(
                server.Store,
                options.Compaction.RetainRevisions,
                TimeSpan.FromSeconds(options.Compaction.IntervalSeconds),
                TimeProvider.System,
                loggers.CreateLogger<HistoryCompactor>()));
        }

        if (server.Services.GetService<Journal.JournalArchiver>() is { } archiver)
        {
            leaderWork.Add(new JournalArchiveLeaderService(archiver));
        }

        var services = new LeaderServices(election, leaderWork, loggers.CreateLogger<LeaderServices>());
        election.Start();
        return new ClusterMember(registration, election, services);
    }

    /// <summary>Stops the leader work and campaigning, leaving the leader key and node lease to expire.</summary>
    public async Task AbandonAsync()
    {
        await _services.DisposeAsync().ConfigureAwait(false);
        await _election.AbandonAsync().ConfigureAwait(false);
        await _registration.AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>Leaves the cluster now: stops the leader work, resigns, revokes the node lease.</summary>
    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync().ConfigureAwait(false);
        await _election.DisposeAsync().ConfigureAwait(false);
        await _registration.DisposeAsync().ConfigureAwait(false);
    }
}
