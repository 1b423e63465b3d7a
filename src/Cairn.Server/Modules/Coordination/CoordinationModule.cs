using Cairn.Coordination.Pools;
using Cairn.Coordination.Recipes;
using Cairn.Coordination.Runs;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// Coordination: zookeeper-exp1's runs (state machine, barrier, parameters, push) and buddy-circle pools, and the
/// recipes people use ZooKeeper and etcd for (locks with fencing tokens, leader election, barriers, a queue), at
/// <c>/v1/runs</c>, <c>/v1/pools</c>, <c>/v1/locks</c>, <c>/v1/elections</c>, <c>/v1/barriers</c> and <c>/v1/queues</c>;
/// the seed's API at <c>/compat/runs</c> and on <c>Runs:Listen</c>. Section <c>Coordination</c>
/// (<see cref="CoordinationServerOptions"/>). Everything lives in keys (sessions are the clients' leases), so the module
/// has no background work of its own: a stream's or a waiting call's work lasts as long as its request.
/// </summary>
internal sealed class CoordinationModule : ICairnModule
{
    public const string Section = "Coordination";

    /// <summary>The setting of the runs compat API's own listeners.</summary>
    public const string ListenSetting = "Runs:Listen";

    private CompatApi? _compat;

    public string Name => "coordination";

    public CompatApi? Compat => _compat;

    // Names are read from the path: a '.' or '..' segment is refused rather than resolved into another route.
    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section(Section, typeof(CoordinationServerOptions)), new SettingNode("Runs").With(SettingNode.StringList("Listen"))];

    public IReadOnlyList<string> RawPathPrefixes { get; } =
    [
        RunEndpoints.Prefix + "/", PoolEndpoints.Prefix + "/", LockEndpoints.Prefix + "/", ElectionEndpoints.Prefix + "/",
        BarrierEndpoints.Prefix + "/", QueueEndpoints.Prefix + "/", RunsCompatEndpoints.Prefix + "/",
    ];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<CoordinationServerOptions>(Section);

        // CAIRN_RUNS__LISTEN="unix:/run/runs.sock,http://…" arrives as one string. Its sockets are 0666 unless they say
        // otherwise: the seed's clients are other services (the VMs' agents, the deployment engine), and its port was
        // open to all of them.
        var listeners = context.Listeners(ListenSetting, UnixSocketOptions.Shared);
        if (!settings.Enabled)
        {
            return listeners.Count == 0
                ? false
                : throw new StartupException($"{ListenSetting} is set but {Section}:Enabled is false; enable coordination or remove its listeners.");
        }

        // A parameter is one key's value: unless set, the limit is the default or the store's value limit if smaller.
        var maxValue = context.Host.Limits.MaxValueBytes;
        if (context.Configuration.GetSection(Section + ":MaxParameterBytes").Value is null)
        {
            settings.MaxParameterBytes = Math.Min(settings.MaxParameterBytes, maxValue);
        }

        if (settings.MaxParameterBytes < 1 || settings.MaxParameterBytes > maxValue)
        {
            throw new StartupException($"{Section}:MaxParameterBytes must be between 1 and Limits:MaxValueBytes ({maxValue}); got {settings.MaxParameterBytes}.");
        }

        var runOptions = new RunOptions { MaxParameterBytes = settings.MaxParameterBytes };
        services.AddSingleton(runOptions);
        services.AddSingleton(sp => new RunStore(sp.GetRequiredService<Core.IKeyspace>(), runOptions, context.Time));
        services.AddSingleton(sp => new PoolStore(sp.GetRequiredService<Core.IKeyspace>(), context.Time));
        services.AddSingleton(sp => new LockStore(sp.GetRequiredService<Core.IKeyspace>()));
        services.AddSingleton(sp => new ElectionStore(sp.GetRequiredService<Core.IKeyspace>()));
        services.AddSingleton(sp => new BarrierStore(sp.GetRequiredService<Core.IKeyspace>()));
        services.AddSingleton(sp => new QueueStore(sp.GetRequiredService<Core.IKeyspace>()));
        _compat = new CompatApi("runs", "zookeeper-exp1 runs", RunsCompatEndpoints.Prefix, ListenSetting, listeners, RunsCompatEndpoints.Map);
        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        RunEndpoints.Map(endpoints);
        PoolEndpoints.Map(endpoints);
        LockEndpoints.Map(endpoints);
        ElectionEndpoints.Map(endpoints);
        BarrierEndpoints.Map(endpoints);
        QueueEndpoints.Map(endpoints);
    }

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;
}
