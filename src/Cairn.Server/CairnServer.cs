using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Cairn.Core;
using Cairn.Server.Api;
using Cairn.Server.Api.Probes;
using Cairn.Server.EtcdApi;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Metrics;
using Cairn.Server.Security;
using Cairn.Storage;
using Cairn.Storage.Space;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Cairn.Server;

/// <summary>
/// A running Cairn server: the store, and the HTTP host listening on every configured TCP port and Unix socket, with
/// every module the settings switch on (<see cref="ModuleCatalog"/>). <c>cairn serve</c> runs one until it is told to
/// stop; tests start one in-process.
/// </summary>
/// <remarks>
/// The host knows no module by name: it reads its own settings (listeners, store, limits, node), lets each module
/// configure itself and register its services, opens the store, maps the keyspace API and each module's endpoints and
/// compat API, and starts. What runs in the background is a hosted service, started and stopped with the host and
/// disposed by the container; the container also owns the store.
/// </remarks>
public sealed partial class CairnServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyList<ListenerAddress> _listeners;

    private CairnServer(WebApplication app, CairnOptions options, IReadOnlyList<ListenerAddress> listeners)
    {
        _app = app;
        Options = options;
        _listeners = listeners;
    }

    /// <summary>The store this server serves (behind the keyspace limits).</summary>
    public IKeyspace Store => _app.Services.GetRequiredService<IKeyspace>();

    /// <summary>The host's settings in force.</summary>
    public CairnOptions Options { get; }

    /// <summary>The server's services: each module's, the store, the clock.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The addresses of the <c>/v1</c> API actually bound (<c>http://127.0.0.1:PORT</c>, <c>unix:/path</c>),
    /// ports resolved; the compat APIs' own listeners are in <see cref="CompatAddresses"/>.</summary>
    public IReadOnlyList<string> Addresses => _app.Services.GetRequiredService<ServerAddresses>().Api;

    /// <summary>The addresses of the own listeners of compat API <paramref name="api"/> (<c>journal</c>,
    /// <c>pulzar</c>), ports resolved; empty when it has none.</summary>
    public IReadOnlyList<string> CompatAddresses(string api) => _app.Services.GetRequiredService<ServerAddresses>().Of(api);

    /// <summary>The addresses of the etcd v3 API's listeners (<c>EtcdApi:Listen</c>), ports resolved; empty when the API
    /// is off.</summary>
    public IReadOnlyList<string> EtcdApiAddresses => CompatAddresses(EtcdApiEndpoints.ListenerName);

    /// <summary>Reads configuration, opens the store and starts listening.</summary>
    /// <param name="args">Command-line style configuration (<c>--DataDir=…</c>).</param>
    /// <param name="overrides">Settings that win over every other source (the CLI's flags).</param>
    /// <param name="time">The server's clock, for the store and every module; <see cref="TimeProvider.System"/> when
    /// null (tests pass a fake one).</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <exception cref="StartupException">The configuration cannot work; the message says why.</exception>
    public static async Task<CairnServer> StartAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        HostSettings.ConfigureSources(builder.Configuration, args, overrides);
        // Under systemd (deploy/cairn.service, Type=notify) the unit is "started" only once every listener is bound,
        // and the journal gets syslog-prefixed lines; a no-op anywhere else.
        // Before the log format below, which it would otherwise override under systemd (Logging:Format decides).
        builder.Services.AddSystemd();
        var catalog = ModuleCatalog.Create();
        SettingsCheck.Check(builder.Configuration, HostSettings.Schema(catalog));
        var logFormat = LogFormat.Read(builder.Configuration);
        LogFormat.UseConsole(builder.Logging, logFormat);

        // A listener that cannot be bound fails the host's start, which logs the failure with its stack trace before
        // StartAsync throws it; the exception is reported once, as one line (below), so that log is left out while
        // starting. Afterwards the host's errors (a background service that fails) are logged as usual.
        var starting = new StrongBox<bool>(true);
        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && !(starting.Value && level >= LogLevel.Error));
        var options = HostSettings.Read(builder.Configuration);
        var listeners = options.EffectiveListeners().Select(l => ListenerAddress.Parse(l)).ToList();
        if (listeners.Count == 0)
        {
            throw new StartupException("No listeners are configured; set Listen (e.g. http://127.0.0.1:7070).");
        }

        var dataDir = Path.GetFullPath(options.DataDir);
        try
        {
            FileModes.MakePrivate(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the data directory '{dataDir}': {ex.Message}", ex);
        }

        var context = new ModuleContext(builder.Configuration, options, dataDir, time);
        var modules = new List<ICairnModule>();
        foreach (var module in catalog)
        {
            if (module.Configure(context, builder.Services))
            {
                modules.Add(module);
            }
        }

        var compat = modules.Select(m => m.Compat).OfType<CompatApi>().ToList();
        var etcdListeners = options.EtcdApi.Listen.Select(l => ListenerAddress.Parse(l)).ToList();
        CheckListeners(listeners, compat, etcdListeners);
        var tls = TlsSetup.Create(
            builder.Configuration,
            listeners.Select(l => (l, "Listen"))
                .Concat(compat.SelectMany(c => c.Listeners.Select(l => (l, c.ListenSetting))))
                .Concat(etcdListeners.Select(l => (l, EtcdApiEndpoints.ListenSetting))),
            options.Http.AllowPlaintext,
            time);
        var everyListener = listeners.Concat(compat.SelectMany(c => c.Listeners)).Concat(etcdListeners).ToList();
        foreach (var listener in everyListener)
        {
            listener.PrepareUnixSocket();
        }

        IKeyspace store;
        using (var loggerFactory = LoggerFactory.Create(logging => LogFormat.UseConsole(logging.AddConfiguration(builder.Configuration.GetSection("Logging")), logFormat)))
        {
            store = await KeyspaceFactory.OpenAsync(options, dataDir, time, loggerFactory, cancellationToken).ConfigureAwait(false);
        }

        WebApplication app;
        try
        {
            app = Build(builder, options, listeners, tls, store, time, modules, compat, etcdListeners);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            // The "no space" alarm is looked at before the first request: a server started on a full disk serves reads
            // and refuses writes that add data from the start, and accepts them again once space is back.
            _ = app.Services.GetRequiredService<IKeyspace>(); // the container owns the store from here on
            await app.Services.GetRequiredService<SpaceMonitor>().CheckAsync(cancellationToken).ConfigureAwait(false);
            await SecurityServices.InitializeAsync(app.Services, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            starting.Value = false;
            return new CairnServer(app, options, everyListener);
        }
        catch (Exception ex)
        {
            // The container owns the store and every module's services: disposing the app disposes them.
            await app.DisposeAsync().ConfigureAwait(false);
            if (ex is IOException && BindFailure().Match(ex.Message) is { Success: true } bind)
            {
                // Kestrel's "Failed to bind to address http://127.0.0.1:2379: address already in use." names the one.
                throw new StartupException($"Cannot listen on {bind.Groups["address"].Value}: {bind.Groups["why"].Value}.", ex);
            }

            if (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                throw new StartupException($"Cannot listen on {string.Join(", ", everyListener)}: {ex.Message}", ex);
            }

            throw;
        }
    }

    // The category under which the host logs a failed start.
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    [GeneratedRegex(@"^Failed to bind to address (?<address>\S+): (?<why>[^\r\n]+?)\.?$")]
    private static partial Regex BindFailure();

    /// <summary>Runs a server until <paramref name="cancellationToken"/> fires or the process is asked to stop (SIGINT/SIGTERM).</summary>
    public static async Task RunAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var server = await StartAsync(args, overrides, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            await server._app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // A compat API's own listener serves that API and nothing else, so it cannot be a listener of anything else too (nor
    // can an etcd API listener, which speaks only HTTP/2); and a Unix socket path is one listener.
    private static void CheckListeners(IReadOnlyList<ListenerAddress> listeners, IReadOnlyList<CompatApi> compat, IReadOnlyList<ListenerAddress> etcdListeners)
    {
        var taken = listeners.Select(l => (Listener: l, Setting: "Listen")).ToList();
        foreach (var api in compat)
        {
            if (api.Listeners.FirstOrDefault(l => l.Tcp?.Port != 0 && taken.Any(t => t.Listener.SameAddress(l))) is { } both)
            {
                var other = taken.First(t => t.Listener.SameAddress(both)).Setting;
                throw new StartupException($"Listener {both} is in both {other} and {api.ListenSetting}; a {api.Title} listener serves only the {api.Title} API, so give it an address of its own.");
            }

            taken.AddRange(api.Listeners.Select(l => (l, api.ListenSetting)));
        }

        if (etcdListeners.FirstOrDefault(l => l.Tcp?.Port != 0 && taken.Any(t => t.Listener.SameAddress(l))) is { } shared)
        {
            var other = taken.First(t => t.Listener.SameAddress(shared)).Setting;
            throw new StartupException($"Listener {shared} is in both {other} and {EtcdApiEndpoints.ListenSetting}; an etcd API listener speaks only HTTP/2, so give it an address of its own.");
        }

        taken.AddRange(etcdListeners.Select(l => (l, EtcdApiEndpoints.ListenSetting)));

        // One socket file is one listener (settings in different places could otherwise give it different modes).
        if (taken.Where(t => t.Listener.UnixPath is not null).GroupBy(t => t.Listener.UnixPath).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new StartupException($"Listener unix:{twice.Key} is given twice in {twice.First().Setting}; give each listener a path of its own.");
        }
    }

    private static WebApplication Build(
        WebApplicationBuilder builder,
        CairnOptions options,
        IReadOnlyList<ListenerAddress> listeners,
        TlsSetup tls,
        IKeyspace store,
        TimeProvider time,
        IReadOnlyList<ICairnModule> modules,
        IReadOnlyList<CompatApi> compat,
        IReadOnlyList<ListenerAddress> etcdListeners)
    {
        var compatListeners = compat.ToDictionary(c => c.Name, _ => new List<ListenOptions>(), StringComparer.Ordinal);
        compatListeners[EtcdApiEndpoints.ListenerName] = [];
        var perAddress = new ConnectionLimits(options.Limits.MaxConnectionsPerAddress);
        var h2cEndpoints = new List<ListenOptions>();
        void LimitPerAddress(ListenerAddress listener, ListenOptions listen)
        {
            if (listener.UnixPath is null)
            {
                listen.Use(perAddress.Limit);
            }
            else
            {
                listen.Use(PeerCredentialsReader.Read); // who is at the other end, for auth (SO_PEERCRED)
            }
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes();
            (kestrel.Limits.MaxConcurrentConnections, kestrel.Limits.MaxConcurrentUpgradedConnections) =
                ConnectionLimits.Split(options.Limits.MaxConnections > 0 ? options.Limits.MaxConnections : ConnectionLimits.DefaultMaxConnections());
            kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;

            // Names in paths are percent-encoded UTF-8, up to three bytes per byte: a journal txid and step of 4 KiB
            // each (JournalNames), or a 4 KiB key, would not fit Kestrel's default 8 KiB request line (a 414).
            kestrel.Limits.MaxRequestLineSize = 32 * 1024;
            // HTTP/2 lets a client multiplex its requests on one connection. Kestrel's default of 100 streams would make
            // a busy client (many watches, a burst of small requests) open more connections; each stream costs little
            // until it carries a request. The connection window is raised so that many request bodies at once (blob
            // uploads, journal appends) are not held back by it before each stream's own window. A header field can be as
            // long as an HTTP/1.1 request line (a percent-encoded path is the :path field).
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = kestrel.Limits.MaxRequestLineSize;
            foreach (var listener in listeners)
            {
                listener.Bind(kestrel, tls, listen => LimitPerAddress(listener, listen), h2cEndpoints, options.RequestHeadersTimeout);
            }

            // A compat API's listener marks each connection it accepts; routing then serves that API's root mount on it
            // (CompatListenerPolicy), and nothing else.
            foreach (var api in compat)
            {
                var feature = new CompatListenerFeature(api.Name);
                foreach (var listener in api.Listeners)
                {
                    listener.Bind(kestrel, tls, listen =>
                    {
                        LimitPerAddress(listener, listen);
                        compatListeners[api.Name].Add(listen);
                        listen.Use(next => connection =>
                        {
                            connection.Features.Set(feature);
                            return next(connection);
                        });
                    });
                }
            }

            // The etcd API's listeners speak HTTP/2 only: etcd's clients send h2c with prior knowledge to an http://
            // endpoint, and Kestrel cannot serve HTTP/1.1 and h2c on one cleartext port (dotnet/aspnetcore#56984), so
            // the API has listeners of its own rather than sharing the main ones. On https:// ALPN picks h2.
            foreach (var listener in etcdListeners)
            {
                listener.Bind(kestrel, tls, listen =>
                {
                    LimitPerAddress(listener, listen);
                    listen.Protocols = HttpProtocols.Http2;
                    compatListeners[EtcdApiEndpoints.ListenerName].Add(listen);

                    // etcdctl 3.4 sends a socket path or a URL as :authority, which Kestrel would reset: on a cleartext
                    // etcd listener it is made a host first. Not on https://, where this middleware would see TLS
                    // records rather than HTTP/2 frames.
                    if (!listener.Https)
                    {
                        Http2AuthorityRewriter.UseOn(listen);
                    }
                });
            }
        });

        // TLS of the listeners and of the calls to other nodes (which also carry the node credential).
        builder.Services.AddSingleton(tls).AddSingleton<NodeHttpClients>();

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(options);

        // Given as a factory, so that the container owns the store and disposes it last (it was made first). Every
        // caller sees it behind the keyspace limits and the "no space" alarm.
        var alarm = new SpaceAlarm();
        var quota = new SpaceQuota(options.Limits.QuotaBytes, options.Limits.MinFreeBytes);
        services.AddSingleton(alarm);
        services.AddSingleton(sp => new SpaceMonitor(store, alarm, quota, time, sp.GetRequiredService<ILogger<SpaceMonitor>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SpaceMonitor>());
        // /metrics has a registry of this server's own (ServerMetrics); the keyspace families are counted right in
        // front of the store, so that every backend has them.
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<IKeyspace>(sp =>
        {
            var monitor = sp.GetRequiredService<SpaceMonitor>();
            var metrics = sp.GetRequiredService<ServerMetrics>();
            var metered = new MeteredKeyspace(store, metrics.Factory);
            metrics.Add(metered);
            return new LimitedKeyspace(new SpaceGuardedKeyspace(metered, alarm, time, monitor.CheckSoon, monitor.QuickLook, monitor.ReleaseReserveAsync), options.KeyspaceLimits());
        });
        services.AddSingleton<IScrapedMetrics>(sp => new LeaderMetrics(store, options.Cluster.Enabled, sp.GetRequiredService<ServerMetrics>().Factory));
        services.AddSingleton(options.KeyspaceLimits());
        services.AddSingleton(new NodeInfo(options.NodeId!, time.GetUtcNow(), time));
        services.AddSingleton(sp => new ServerAddresses(sp.GetRequiredService<IServer>(), compatListeners, h2cEndpoints));
        services.AddSingleton<MatcherPolicy, CompatListenerPolicy>();
        services.AddCors(cors =>
        {
            foreach (var api in compat.Where(c => c.Cors is not null))
            {
                cors.AddPolicy(api.Name, api.Cors!.Policy());
            }
        });
        services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, H2cTransportFactory>();
        if (!OperatingSystem.IsWindows())
        {
            UnixSocketTransportFactory.Register(services, listeners.Concat(compat.SelectMany(c => c.Listeners)).Concat(etcdListeners));
        }

        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: [ProbeTags.Live, ProbeTags.Ready])
            .AddCheck<SpaceHealthCheck>(SpaceHealthCheck.Name, tags: [ProbeTags.Ready]);
        services.AddOpenApi();
        if (etcdListeners.Count > 0)
        {
            EtcdApiEndpoints.AddServices(services, options);
        }
        var auth = SecurityServices.Add(services, builder.Configuration, [.. compat.Select(c => c.Name)], time);

        var app = builder.Build();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<RawPathGuard>(modules.SelectMany(m => m.RawPathPrefixes).Distinct(StringComparer.Ordinal).ToList());
        // Routing before the guard, which reads the endpoint's metadata (CompatCors); CORS after it, on the endpoints
        // that carry a policy (a compat API open to other origins) and on no other.
        app.UseRouting();
        app.UseMiddleware<BrowserGuard>(OriginAllowList.Parse("Http:AllowedOrigins", options.Http.AllowedOrigins), HostAllowList.Parse(options.Http.AllowedHosts));
        app.UseCors();
        var serverMetrics = app.Services.GetRequiredService<ServerMetrics>();
        foreach (var source in app.Services.GetServices<IScrapedMetrics>())
        {
            serverMetrics.Add(source);
        }

        app.UseHttpMetrics(http => http.SetMetricFactory(serverMetrics.Factory));
        app.UseAuth(auth); // who the caller is, its rate limit, and whether the endpoint is open to it
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseStreamCap();
        KeyspaceApi.Map(app);
        if (etcdListeners.Count > 0)
        {
            EtcdApiEndpoints.UseBodyLimit(app);
            EtcdApiEndpoints.Map(app);
        }
        AuthEndpoints.Map(app);
        foreach (var module in modules)
        {
            module.MapEndpoints(app);
        }

        foreach (var api in compat)
        {
            api.Map(new CompatMount(Cors(app.MapGroup(api.Prefix), api), api.Prefix));
            if (api.Listeners.Count > 0)
            {
                api.Map(new CompatMount(Cors(app.MapGroup("/").WithMetadata(new CompatRootMetadata(api.Name)), api).ExcludeFromDescription(), ""));
            }
        }

        Security.SecurityEndpoints.RequirePermission(app.MapMetrics("/metrics", serverMetrics.Registry), Contracts.AuthResources.Admin, "status");
        Security.SecurityEndpoints.RequireAuthenticated(app.MapOpenApi("/openapi/{documentName}.json"));
        return app;
    }

    // A compat API open to pages of other origins: its policy, and its list for the browser guard.
    private static RouteGroupBuilder Cors(RouteGroupBuilder group, CompatApi api) =>
        api.Cors is { } cors ? group.RequireCors(api.Name).WithMetadata(cors) : group;

    /// <summary>Stops listening, finishes in-flight requests, stops every module's background work (the cluster member
    /// resigns leadership and revokes the node lease), closes the store and removes the Unix sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            foreach (var listener in _listeners)
            {
                if (listener.UnixPath is not null)
                {
                    File.Delete(listener.UnixPath);
                }
            }
        }
    }

    /// <summary>Stops as a crash would for the rest of the cluster: the node lease and the leader key are left to expire
    /// by their TTL (the node stays in <c>/v1/cluster/nodes</c> until then). For tests of node failure.</summary>
    internal async Task AbandonAsync()
    {
        foreach (var abandonable in _app.Services.GetServices<IAbandonable>())
        {
            await abandonable.AbandonAsync().ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }
}
