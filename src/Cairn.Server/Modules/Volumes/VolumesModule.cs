using Cairn.Server.Hosting;
using Cairn.Server.Modules.Extensions;
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
    private CompatApi? _compat;

    public string Name => "volumes";

    public CompatApi? Compat => _compat;

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
        services.AddSingleton(sp => new BuiltInExtension("search", new SearchExtension(sp.GetRequiredService<BlobStore>())));
        _compat = new CompatApi("pulzar", "Pulzar", PulzarCompatEndpoints.Prefix, "Pulzar:Listen", pulzarListeners, PulzarCompatEndpoints.Map)
        {
            CrossOriginReads = PulzarCompatEndpoints.IsCrossOriginRead,
        };
        return true;
    }

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
