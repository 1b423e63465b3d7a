using System.Net;
using Cairn.Core;
using Cairn.Journal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Cairn.Server;

/// <summary>
/// A running Cairn server: the store, and the HTTP host listening on every configured TCP port and Unix socket.
/// <c>cairn serve</c> runs one until it is told to stop; tests start one in-process.
/// </summary>
public sealed partial class CairnServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyList<ListenerAddress> _listeners;
    private readonly IReadOnlyList<ListenOptions> _journalListeners;
    private readonly IReadOnlyList<ListenOptions> _pulzarListeners;
    private ClusterMember? _cluster;

    private CairnServer(WebApplication app, IKeyspace store, CairnOptions options, IReadOnlyList<ListenerAddress> listeners, IReadOnlyList<ListenOptions> journalListeners, IReadOnlyList<ListenOptions> pulzarListeners)
    {
        _app = app;
        Store = store;
        Options = options;
        _listeners = listeners;
        _journalListeners = journalListeners;
        _pulzarListeners = pulzarListeners;
    }

    /// <summary>This node's leader election.</summary>
    public Coordination.ILeaderElection Election => _cluster?.Election ?? throw new InvalidOperationException("This server is not a cluster member (Cluster:Enabled is false).");

    /// <summary>The store this server serves.</summary>
    public IKeyspace Store { get; }

    /// <summary>The options in force.</summary>
    public CairnOptions Options { get; }

    /// <summary>The addresses of the <c>/v1</c> API actually bound (<c>http://127.0.0.1:PORT</c>, <c>unix:/path</c>),
    /// ports resolved; the journal's own listeners are in <see cref="JournalAddresses"/>.</summary>
    public IReadOnlyList<string> Addresses
    {
        get
        {
            var bound = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var own = JournalAddresses.Concat(PulzarAddresses).ToHashSet(StringComparer.Ordinal);
            return bound.Select(a => a.StartsWith("http://unix:", StringComparison.Ordinal) ? "unix:" + a["http://unix:".Length..] : a)
                .Where(a => !own.Contains(a))
                .ToList();
        }
    }

    /// <summary>The addresses of the <c>Pulzar:Listen</c> listeners (the seed-compatible Pulzar API at their root), ports resolved.</summary>
    public IReadOnlyList<string> PulzarAddresses =>
        _pulzarListeners.Select(l => l.SocketPath is { } path ? "unix:" + path : "http://" + l.IPEndPoint).ToList();

    /// <summary>The blob store; null when <c>Volumes:Enabled</c> is false.</summary>
    public Volumes.BlobStore? Blobs => _app.Services.GetService<Volumes.BlobStore>();

    /// <summary>The addresses of the <c>Journal:Listen</c> listeners (the seed-compatible journal API at their root), ports resolved.</summary>
    public IReadOnlyList<string> JournalAddresses =>
        _journalListeners.Select(l => l.SocketPath is { } path ? "unix:" + path : "http://" + l.IPEndPoint).ToList();

    /// <summary>The journal; null when <c>Journal:Enabled</c> is false.</summary>
    public JournalService? Journal => _app.Services.GetService<JournalService>();

    /// <summary>The server's services.</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>Reads configuration, opens the store and starts listening.</summary>
    /// <param name="args">Command-line style configuration (<c>--DataDir=…</c>).</param>
    /// <param name="overrides">Settings that win over every other source (the CLI's flags).</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <exception cref="StartupException">The configuration cannot work; the message says why.</exception>
    public static async Task<CairnServer> StartAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        ConfigureSources(builder.Configuration, args, overrides);
        var options = ReadOptions(builder.Configuration);
        var listeners = options.EffectiveListeners().Select(ListenerAddress.Parse).ToList();
        if (listeners.Count == 0)
        {
            throw new StartupException("No listeners are configured; set Listen (e.g. http://127.0.0.1:7070).");
        }

        var journalListeners = options.Journal.EffectiveListeners().Select(ListenerAddress.Parse).ToList();
        if (journalListeners.Count > 0 && !options.Journal.Enabled)
        {
            throw new StartupException("Journal:Listen is set but Journal:Enabled is false; enable the journal or remove its listeners.");
        }

        if (journalListeners.FirstOrDefault(j => j.Tcp?.Port != 0 && listeners.Contains(j)) is { } both)
        {
            throw new StartupException($"Listener {both} is in both Listen and Journal:Listen; a journal listener serves only the journal API, so give it an address of its own.");
        }

        var pulzarListeners = options.Pulzar.EffectiveListeners().Select(ListenerAddress.Parse).ToList();
        if (pulzarListeners.Count > 0 && !options.Volumes.Enabled)
        {
            throw new StartupException("Pulzar:Listen is set but Volumes:Enabled is false; the Pulzar API stores its values as blobs.");
        }

        if (pulzarListeners.FirstOrDefault(p => p.Tcp?.Port != 0 && (listeners.Contains(p) || journalListeners.Contains(p))) is { } shared)
        {
            throw new StartupException($"Listener {shared} is in Pulzar:Listen and in Listen or Journal:Listen; a Pulzar listener serves only the Pulzar API, so give it an address of its own.");
        }

        var dataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the data directory '{dataDir}': {ex.Message}", ex);
        }

        var journalSetup = options.Journal.Enabled ? JournalSetup.Resolve(options.Journal, dataDir, options.NodeId!) : null;
        var volumeOptions = options.Volumes.Enabled ? VolumesHosting.Options(options, dataDir) : null;
        var extensionOptions = VolumesHosting.ExtensionOptions(options);
        foreach (var listener in listeners.Concat(journalListeners).Concat(pulzarListeners))
        {
            listener.PrepareUnixSocket();
        }

        IKeyspace store;
        using (var loggerFactory = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole()))
        {
            store = await KeyspaceFactory.OpenAsync(options, dataDir, loggerFactory, cancellationToken).ConfigureAwait(false);
        }

        WebApplication? app = null;
        Volumes.BlobStore? blobs = null;
        var remote = new HttpBlobRemote();
        try
        {
            if (volumeOptions is not null)
            {
                using var loggers = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole());
                blobs = await VolumesHosting.StartAsync(store, volumeOptions, remote, loggers.CreateLogger("Cairn.Volumes"), cancellationToken).ConfigureAwait(false);
            }

            var journalListenOptions = new List<ListenOptions>();
            var pulzarListenOptions = new List<ListenOptions>();
            app = Build(builder, options, listeners, store, journalSetup, journalListeners, journalListenOptions, pulzarListeners, pulzarListenOptions, blobs, remote, extensionOptions);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var server = new CairnServer(app, store, options, [.. listeners, .. journalListeners, .. pulzarListeners], journalListenOptions, pulzarListenOptions);
            if (blobs is not null)
            {
                await blobs.PublishAddressesAsync(server.Addresses, cancellationToken).ConfigureAwait(false);
            }

            server._cluster = !options.Cluster.Enabled ? null : await ClusterMember.StartAsync(server, app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch (Exception ex)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                remote.Dispose();
                if (blobs is not null)
                {
                    await blobs.DisposeAsync().ConfigureAwait(false);
                }
            }

            await store.DisposeAsync().ConfigureAwait(false);
            if (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                throw new StartupException($"Cannot listen on {string.Join(", ", listeners.Concat(journalListeners).Concat(pulzarListeners))}: {ex.Message}", ex);
            }

            throw;
        }
    }

    /// <summary>Runs a server until <paramref name="cancellationToken"/> fires or the process is asked to stop (SIGINT/SIGTERM).</summary>
    public static async Task RunAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var server = await StartAsync(args, overrides, cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            await server._app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void ConfigureSources(ConfigurationManager configuration, string[] args, IReadOnlyDictionary<string, string?>? overrides)
    {
        // Only Cairn's own sources, in increasing precedence: defaults, appsettings.json, CAIRN_* variables, args, flags.
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        });
        var configFile = overrides?.GetValueOrDefault("ConfigFile");
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new StartupException($"Configuration file '{configFile}' does not exist.");
        }

        configuration.AddJsonFile(Path.GetFullPath(configFile ?? "appsettings.json"), optional: configFile is null, reloadOnChange: false);
        configuration.AddEnvironmentVariables("CAIRN_");
        configuration.AddCommandLine(args);
        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides.Where(o => o.Key != "ConfigFile"));
        }
    }

    private static CairnOptions ReadOptions(IConfiguration configuration)
    {
        var options = new CairnOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException("The configuration is invalid: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }

        // CAIRN_LISTEN="http://…,unix:…" arrives as one string rather than a list.
        if (configuration["Listen"] is { Length: > 0 } listen)
        {
            options.Listen = [listen];
        }

        if (options.Limits.MaxKeyBytes <= 0 || options.Limits.MaxValueBytes <= 0 || options.Limits.MaxRequestBytes <= 0 || options.Limits.MaxTxnOps <= 0)
        {
            throw new StartupException("Every limit (Limits:MaxKeyBytes, MaxValueBytes, MaxRequestBytes, MaxTxnOps) must be positive.");
        }

        ReadJournalOptions(configuration, options.Journal);

        // CAIRN_PULZAR__LISTEN and CAIRN_VOLUMES__DIRECTORIES arrive as one comma-separated string.
        if (configuration["Pulzar:Listen"] is { Length: > 0 } pulzarListen)
        {
            options.Pulzar.Listen = [pulzarListen];
        }

        if (configuration["Volumes:Directories"] is { Length: > 0 } volumeDirectories)
        {
            options.Volumes.Directories = [volumeDirectories];
        }

        // CAIRN_ETCD__ENDPOINTS="http://a:2379,http://b:2379" arrives as one string as well.
        if (configuration["Etcd:Endpoints"] is { Length: > 0 } endpoints)
        {
            options.Etcd.Endpoints = [endpoints];
        }

        if (configuration["Backend:StartTimeout"] is { Length: > 0 } startTimeout)
        {
            options.BackendStartTimeout = ParseDuration("Backend:StartTimeout", startTimeout);
        }

        if (options.Cluster.NodeTtlSeconds < 1 || options.Cluster.NodeTtlSeconds > 3600)
        {
            throw new StartupException($"Cluster:NodeTtlSeconds must be between 1 and 3600; got {options.Cluster.NodeTtlSeconds}.");
        }

        if (options.Compaction.RetainRevisions < 0 || options.Compaction.IntervalSeconds < 0)
        {
            throw new StartupException("Compaction:RetainRevisions and Compaction:IntervalSeconds must not be negative (IntervalSeconds 0 disables compaction).");
        }

        // Unique per process, and per server in a process (tests run several): host, pid and a random suffix.
        options.NodeId ??= $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
        return options;
    }

    private static void ReadJournalOptions(IConfiguration configuration, JournalServerOptions journal)
    {
        // CAIRN_JOURNAL__LISTEN="unix:/tmp/journal.sock,http://…" arrives as one string.
        if (configuration["Journal:Listen"] is { Length: > 0 } listen)
        {
            journal.Listen = [listen];
        }

        // "" is a value here (it disables the secondary or export), not an absent setting.
        if (configuration.GetSection("Journal:Secondary").Value is { } secondary)
        {
            journal.Secondary = secondary.Trim();
        }

        if (configuration.GetSection("Journal:ExportDir").Value is { } export)
        {
            journal.ExportDir = export.Trim();
        }
    }

    private static TimeSpan ParseDuration(string name, string text)
    {
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new StartupException($"{name} must be a positive number of seconds or hh:mm:ss; got '{text}'.");
    }

    private static WebApplication Build(
        WebApplicationBuilder builder,
        CairnOptions options,
        IReadOnlyList<ListenerAddress> listeners,
        IKeyspace store,
        JournalSetup? journal,
        IReadOnlyList<ListenerAddress> journalListeners,
        List<ListenOptions> journalListenOptions,
        IReadOnlyList<ListenerAddress> pulzarListeners,
        List<ListenOptions> pulzarListenOptions,
        Volumes.BlobStore? blobs,
        HttpBlobRemote remote,
        Extensions.ExtensionOptions extensionOptions)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(Math.Max(options.Limits.MaxRequestBytes, options.Limits.MaxValueBytes), options.Journal.MaxMessageBytes);
            foreach (var listener in listeners)
            {
                if (listener.UnixPath is not null)
                {
                    kestrel.ListenUnixSocket(listener.UnixPath);
                }
                else
                {
                    kestrel.Listen(listener.Tcp!);
                }
            }

            // A journal (or Pulzar) listener tags each connection it accepts; that API's middleware then serves the
            // seed-compatible API at the root of those connections, and nothing else.
            void ListenTagged(IReadOnlyList<ListenerAddress> addresses, string item, List<ListenOptions> bound)
            {
                void Tag(ListenOptions listen)
                {
                    bound.Add(listen);
                    listen.Use(next => connection =>
                    {
                        connection.Items[item] = true;
                        return next(connection);
                    });
                }

                foreach (var listener in addresses)
                {
                    if (listener.UnixPath is not null)
                    {
                        kestrel.ListenUnixSocket(listener.UnixPath, Tag);
                    }
                    else
                    {
                        kestrel.Listen(listener.Tcp!, Tag);
                    }
                }
            }

            ListenTagged(journalListeners, JournalCompatEndpoints.RootListenerItem, journalListenOptions);
            ListenTagged(pulzarListeners, PulzarCompatEndpoints.RootListenerItem, pulzarListenOptions);
        });

        var services = builder.Services;
        services.AddSingleton(store);
        services.AddSingleton(options.KeyspaceLimits());
        services.AddSingleton<MeterBridge>();
        services.AddSingleton(new NodeInfo(options.NodeId!, TimeProvider.System.GetUtcNow(), TimeProvider.System));
        services.AddOpenApi();
        services.AddSingleton(remote);
        var extensions = new Extensions.ExtensionRunner(extensionOptions);
        services.AddSingleton(extensions);
        if (blobs is not null)
        {
            services.AddSingleton(blobs);
            extensions.RegisterBuiltIn("search", new SearchExtension(blobs));
        }

        if (journal is not null)
        {
            services.AddSingleton(sp => journal.CreateService(store, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Journal")));
            services.AddSingleton(sp => new JournalArchiver(sp.GetRequiredService<JournalService>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<JournalArchiver>()));
            services.AddHostedService<JournalResyncService>();
        }

        var app = builder.Build();
        app.Services.GetRequiredService<MeterBridge>();
        if (journal is not null)
        {
            // Created now, so that an unusable secondary or export directory is a start-up error.
            app.Services.GetRequiredService<JournalService>();
            var seedPrimary = journal.SeedConfig is { Primary: { } primary } seed
                ? $" ('{primary}' in {seed.Path} is informational and does not switch the backend)"
                : "";
            var journalLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Journal");
            LogJournal(
                journalLogger,
                options.Backend,
                seedPrimary,
                journal.Options.SecondaryDirectory ?? "none",
                journal.Options.ExportDirectory ?? "none");
        }

        app.UseMiddleware<ErrorHandlingMiddleware>();
        if (journal is not null)
        {
            app.Use(JournalCompatEndpoints.Middleware);
        }

        if (blobs is not null)
        {
            app.Use(PulzarCompatEndpoints.Middleware);
        }
        app.UseHttpMetrics();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        KvEndpoints.Map(app);
        TxnEndpoints.Map(app);
        AdminEndpoints.Map(app);
        LeaseEndpoints.Map(app);
        WatchEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        ExtensionEndpoints.Map(app);
        SnapshotEndpoints.Map(app);
        if (blobs is not null)
        {
            BlobEndpoints.Map(app);
            AdminVolumeEndpoints.Map(app);
        }

        if (journal is not null)
        {
            JournalEndpoints.Map(app);
            JournalCompatEndpoints.Map(app);
        }
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal: primary is this server's {Backend} store{SeedPrimary}; secondary {Secondary}; export {Export}")]
    private static partial void LogJournal(ILogger logger, string backend, string seedPrimary, string secondary, string export);

    /// <summary>Stops listening, finishes in-flight requests, leaves the cluster (resigning leadership and revoking the
    /// node lease), closes the store and removes the Unix sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops as a crash would for the rest of the cluster: the node lease and the leader key are left to expire
    /// by their TTL (the node stays in <c>/v1/cluster/nodes</c> until then). For tests of node failure.</summary>
    internal async Task AbandonAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.AbandonAsync().ConfigureAwait(false);
        }

        await StopAsync().ConfigureAwait(false);
    }

    private async Task StopAsync()
    {
        // Given to the container as instances, so the container does not dispose them: this does, after the host.
        var blobs = _app.Services.GetService<Volumes.BlobStore>();
        var remote = _app.Services.GetService<HttpBlobRemote>();
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            if (blobs is not null)
            {
                await blobs.DisposeAsync().ConfigureAwait(false);
            }

            remote?.Dispose();
            await Store.DisposeAsync().ConfigureAwait(false);
            foreach (var listener in _listeners)
            {
                if (listener.UnixPath is not null)
                {
                    File.Delete(listener.UnixPath);
                }
            }
        }
    }
}
