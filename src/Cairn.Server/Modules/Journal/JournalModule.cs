using Cairn.Coordination;
using Cairn.Journal;
using Cairn.Server.Hosting;
using Cairn.Volumes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// The journal: <c>/v1/journal</c>, the seed's API at <c>/compat/journal</c> and on <c>Journal:Listen</c>, the
/// secondary's replay on every node, and folding, export and retention as leader-only work. Section <c>Journal</c>
/// (<see cref="JournalServerOptions"/>). When the Volumes module is on, messages over <c>Journal:InlineThreshold</c>
/// (compressed) are kept as Volumes blobs (<see cref="VolumeMessageStore"/>).
/// </summary>
internal sealed class JournalModule : ICairnModule
{
    public const string Section = "Journal";

    private CompatApi? _compat;

    public string Name => "journal";

    public CompatApi? Compat => _compat;

    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section(Section, typeof(JournalServerOptions))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [JournalCompatEndpoints.Prefix + "/", JournalEndpoints.Prefix + "/"];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<JournalServerOptions>(Section);

        // CAIRN_JOURNAL__LISTEN="unix:/tmp/journal.sock,http://…" arrives as one string. Its sockets are 0666 unless
        // they say otherwise: the journal's clients are other services, under users of their own, and the seed's socket
        // was open to every local user too.
        var listeners = context.Listeners(Section + ":Listen", UnixSocketOptions.Shared);
        if (!settings.Enabled)
        {
            return listeners.Count == 0
                ? false
                : throw new StartupException("Journal:Listen is set but Journal:Enabled is false; enable the journal or remove its listeners.");
        }

        // "" is a value here (it disables the secondary or export), not an absent setting.
        settings.Secondary = context.Configuration.GetSection(Section + ":Secondary").Value?.Trim();
        settings.ExportDir = context.Configuration.GetSection(Section + ":ExportDir").Value?.Trim();
        var setup = JournalSetup.Resolve(context, settings);
        services.AddSingleton(setup);
        // Large messages go to Volumes when that module is on (it registers the blob store); else they stay inline.
        services.AddSingleton(sp => setup.CreateService(
            sp.GetRequiredService<Core.IKeyspace>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Journal"),
            sp.GetService<BlobStore>() is { } blobs ? new VolumeMessageStore(blobs) : null));
        services.AddSingleton(sp => new JournalArchiver(sp.GetRequiredService<JournalService>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<JournalArchiver>()));
        services.AddHostedService<JournalResyncService>();
        services.AddSingleton<ILeaderService, JournalArchiveLeaderService>();
        _compat = new CompatApi("journal", "journal", JournalCompatEndpoints.Prefix, Section + ":Listen", listeners, JournalCompatEndpoints.Map);
        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => JournalEndpoints.Map(endpoints);

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;
}
