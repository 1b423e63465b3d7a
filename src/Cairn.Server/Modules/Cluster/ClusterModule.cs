using Cairn.Coordination;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Cluster;

/// <summary>
/// The cluster: <c>/v1/cluster/nodes</c>, and, when <c>Cluster:Enabled</c>, this node's registration, its candidacy,
/// and the leader-only work of every module (each <see cref="ILeaderService"/> in the container) while it leads,
/// compaction of history among them. Sections <c>Cluster</c> (the host's <see cref="ClusterOptions"/>) and
/// <c>Compaction</c> (<see cref="CompactionOptions"/>).
/// </summary>
internal sealed class ClusterModule : ICairnModule
{
    public string Name => "cluster";

    public CompatApi? Compat => null;

    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section("Compaction", typeof(CompactionOptions))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [ClusterKeys.NodesPrefix, ClusterKeys.Leader];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var compaction = context.Bind<CompactionOptions>("Compaction");
        if (compaction.RetainRevisions < 0)
        {
            throw new StartupException("Compaction:RetainRevisions must not be negative.");
        }

        var interval = Settings.Duration("Compaction:Interval", compaction.Interval, TimeSpan.FromMinutes(5), zeroAllowed: true, legacySetting: "Compaction:IntervalSeconds", legacyValue: compaction.IntervalSeconds);
        if (!context.Host.Cluster.Enabled)
        {
            // The node list is still served (empty): only membership and leader work are off.
            return true;
        }

        if (interval > TimeSpan.Zero)
        {
            services.AddSingleton<ILeaderService>(sp => new HistoryCompactor(
                sp.GetRequiredService<Core.IKeyspace>(),
                compaction.RetainRevisions,
                interval,
                context.Time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<HistoryCompactor>()));
        }

        services.AddSingleton<ClusterMember>();
        services.AddSingleton<IAbandonable>(sp => sp.GetRequiredService<ClusterMember>());
        services.AddSingleton(sp => sp.GetRequiredService<ClusterMember>().Election);
        services.AddHostedService(sp => sp.GetRequiredService<ClusterMember>());
        services.AddHealthChecks().AddCheck<ClusterLeaderHealthCheck>(ClusterLeaderHealthCheck.Name, tags: [Api.Probes.ProbeTags.Ready]);
        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => ClusterEndpoints.Map(endpoints);

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;
}
