using Cairn.Contracts;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Modules.Extensions;
using Cairn.Server.Security;
using Cairn.Server.Snapshots;
using Cairn.Volumes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Volumes;

/// <summary>
/// Volumes: blobs in this node's volume directories (<c>/v1/blobs</c>), the store's and the storage nodes' figures
/// (<c>/v1/admin/status</c>, <c>/v1/admin/network</c>), rebuilding metadata from a volume, the built-in <c>search</c>
/// extension, blob bodies in snapshots, and the seed's Pulzar API at <c>/compat/pulzar</c> and on <c>Pulzar:Listen</c>.
/// Sections <c>Volumes</c> (<see cref="VolumeServerOptions"/>) and <c>Pulzar</c> (<see cref="PulzarServerOptions"/>).
/// </summary>
internal sealed class VolumesModule : ICairnModule
{
    private const string PulzarAllowedOrigins = "Pulzar:AllowedOrigins";

    private CompatApi? _compat;

    public string Name => "volumes";

    public CompatApi? Compat => _compat;

    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section("Volumes", typeof(VolumeServerOptions)), new SettingNode("Pulzar").With(SettingNode.StringList("Listen")).With(SettingNode.StringList("AllowedOrigins"))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [BlobEndpoints.Prefix, PulzarCompatEndpoints.Prefix + "/"];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [BlobKeys.VolumesPrefix, BlobKeys.PinsPrefix, BlobKeys.RefsPrefix];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<VolumeServerOptions>("Volumes");
        var pulzarListeners = context.Listeners("Pulzar:Listen");
        if (!settings.Enabled)
        {
            return pulzarListeners.Count == 0
                ? false
                : throw new StartupException("Pulzar:Listen is set but Volumes:Enabled is false; the Pulzar API stores its values as blobs.");
        }

        var options = Resolve(context, settings);
        services.AddSingleton<IBlobRemote, HttpBlobRemote>();
        services.AddSingleton(sp => new BlobStore(sp.GetRequiredService<Core.IKeyspace>(), options, sp.GetRequiredService<IBlobRemote>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Volumes")));
        services.AddHostedService<VolumesService>();
        services.AddSingleton<ISnapshotFileSource, VolumeSnapshotSource>();
        services.AddSingleton(sp => new BuiltInExtension("search", new SearchExtension(sp.GetRequiredService<BlobStore>()))
        {
            // It searches every key, as a listing of every blob does.
            Demand = http => Caller.DemandPrefix(http, AuthResources.Blobs, BlobEndpoints.Read, ""),
        });
        _compat = new CompatApi("pulzar", "Pulzar", PulzarCompatEndpoints.Prefix, "Pulzar:Listen", pulzarListeners, PulzarCompatEndpoints.Map)
        {
            Cors = PulzarCors(context.List(PulzarAllowedOrigins)),
        };
        return true;
    }

    /// <summary>
    /// Why the Pulzar API, unlike the rest of the server, lets web pages of other origins in: the seed answered every
    /// request with <c>Access-Control-Allow-Origin: *</c>, and pages of any origin (its dashboard, users' own tools) call
    /// it, writes included. That is its contract, and the API has no credentials a page could borrow; what a page gains is
    /// the browser's reach (localhost, the intranet), as with the seed. So by default (no <c>Pulzar:AllowedOrigins</c>)
    /// a page of any origin may call it and read the answers, on its own listeners and under <c>/compat/pulzar</c>, and
    /// so read, add and delete the blobs that <c>/v1/blobs</c> (closed to such pages) serves. A list narrows that to
    /// its origins; <c>none</c> closes the API to pages of other origins, as <c>/v1</c> is.
    /// </summary>
    /// <exception cref="StartupException">An entry is not an origin.</exception>
    private static CompatCors? PulzarCors(IReadOnlyList<string> origins) => origins switch
    {
        ["none"] => null,
        [] => new CompatCors(OriginAllowList.Parse(PulzarAllowedOrigins, ["*"]), PulzarCompatEndpoints.Methods),
        _ => new CompatCors(OriginAllowList.Parse(PulzarAllowedOrigins, origins), PulzarCompatEndpoints.Methods),
    };

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        BlobEndpoints.Map(endpoints);
        AdminVolumeEndpoints.Map(endpoints);
    }

    public ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => new VolumeSnapshotSink(new BlobSnapshotRestore(dataDirectory));

    /// <exception cref="StartupException">A setting cannot work.</exception>
    private static VolumeOptions Resolve(ModuleContext context, VolumeServerOptions settings)
    {
        var directories = context.List("Volumes:Directories").Select(Path.GetFullPath).ToList();
        if (directories.Count == 0)
        {
            directories.Add(Path.Combine(context.DataDir, "volumes"));
        }

        if (settings.InlineThreshold < 0 || settings.MaxBlobBytes < 0 || settings.MinFreeBytes < 0)
        {
            throw new StartupException("Volumes:InlineThreshold, MaxBlobBytes and MinFreeBytes must not be negative.");
        }

        return new VolumeOptions
        {
            Directories = directories,
            NodeId = context.NodeId,
            InlineThreshold = settings.InlineThreshold,
            MaxBlobBytes = settings.MaxBlobBytes == 0 ? null : settings.MaxBlobBytes,
            MinFreeBytes = settings.MinFreeBytes,
            OrphanGrace = Settings.Duration("Volumes:OrphanGrace", settings.OrphanGrace, TimeSpan.FromMinutes(15), legacySetting: "Volumes:OrphanGraceSeconds", legacyValue: settings.OrphanGraceSeconds),
            ReconcileInterval = Settings.Duration("Volumes:ReconcileInterval", settings.ReconcileInterval, TimeSpan.FromMinutes(5), legacySetting: "Volumes:ReconcileIntervalSeconds", legacyValue: settings.ReconcileIntervalSeconds),
            RecordTtlSeconds = context.Host.Cluster.TtlSeconds,
            Time = context.Time,

            // Volume records are cluster membership, like the node's registration: none without a cluster.
            PublishRecords = context.Host.Cluster.Enabled,
        };
    }
}
