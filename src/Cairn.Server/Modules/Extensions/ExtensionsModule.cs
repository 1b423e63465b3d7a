using Cairn.Core.Concurrency;
using Cairn.Extensions;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Extensions;

/// <summary>
/// Extensions called through the API: <c>/v1/extensions/&lt;name&gt;/&lt;args…&gt;</c> runs a .NET assembly or an
/// executable from <c>Extensions:Directory</c>, or an extension another module builds in (<see cref="BuiltInExtension"/>).
/// Always on. Section <c>Extensions</c> (<see cref="ExtensionServerOptions"/>): at most <c>MaxConcurrent</c> runs at
/// once, <c>MaxQueued</c> calls waiting at most <c>QueueTimeout</c> each, and past that 503 <c>unavailable</c> with
/// <c>Retry-After</c>. Executables run as <c>Extensions:RunAs</c> within the limits of <see cref="ProcessSettings"/>.
/// </summary>
internal sealed class ExtensionsModule : ICairnModule
{
    public string Name => "extensions";

    public CompatApi? Compat => null;

    public IReadOnlyList<SettingNode> ConfigSections { get; } = [SettingNode.Section("Extensions", typeof(ExtensionServerOptions), typeof(ProcessSettings))];

    public IReadOnlyList<string> RawPathPrefixes { get; } = [ExtensionEndpoints.Prefix];

    public IReadOnlyList<string> SnapshotExcludes { get; } = [];

    public bool Configure(ModuleContext context, IServiceCollection services)
    {
        var settings = context.Bind<ExtensionServerOptions>("Extensions");
        if (settings.MaxOutputBytes <= 0)
        {
            throw new StartupException("Extensions:MaxOutputBytes must be positive.");
        }

        if (settings.MaxConcurrent is <= 0)
        {
            throw new StartupException($"Extensions:MaxConcurrent must be a positive number of runs at once; got {settings.MaxConcurrent}.");
        }

        if (settings.MaxQueued <= 0)
        {
            throw new StartupException($"Extensions:MaxQueued must be a positive number of waiting calls; got {settings.MaxQueued}.");
        }

        var options = new ExtensionOptions
        {
            Directory = Path.GetFullPath(settings.Directory),
            Timeout = Settings.Duration("Extensions:Timeout", settings.Timeout, TimeSpan.FromSeconds(30), legacySetting: "Extensions:TimeoutSeconds", legacyValue: settings.TimeoutSeconds),
            MaxOutputBytes = settings.MaxOutputBytes,
            MaxConcurrent = settings.MaxConcurrent ?? WorkGateOptions.DefaultMaxConcurrent,
            MaxQueued = settings.MaxQueued,
            QueueTimeout = Settings.Duration("Extensions:QueueTimeout", settings.QueueTimeout, TimeSpan.FromSeconds(30)),
            Sandbox = ProcessSettings.Resolve(context, "Extensions"),
        };
        services.AddSingleton(sp =>
        {
            var runner = new ExtensionRunner(options, context.Time);
            foreach (var builtIn in sp.GetServices<BuiltInExtension>())
            {
                runner.RegisterBuiltIn(builtIn.Name, builtIn.Extension);
            }

            return runner;
        });
        return true;
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => ExtensionEndpoints.Map(endpoints);

    public Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory) => null;
}
