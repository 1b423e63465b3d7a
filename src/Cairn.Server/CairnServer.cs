using Cairn.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
    private ClusterMember? _cluster;

    private CairnServer(WebApplication app, IKeyspace store, CairnOptions options, IReadOnlyList<ListenerAddress> listeners)
    {
        _app = app;
        Store = store;
        Options = options;
        _listeners = listeners;
    }

    /// <summary>This node's leader election.</summary>
    public Coordination.ILeaderElection Election => _cluster?.Election ?? throw new InvalidOperationException("This server is not a cluster member (Cluster:Enabled is false).");

    /// <summary>The store this server serves.</summary>
    public IKeyspace Store { get; }

    /// <summary>The options in force.</summary>
    public CairnOptions Options { get; }

    /// <summary>The addresses actually bound (<c>http://127.0.0.1:PORT</c>, <c>unix:/path</c>), ports resolved.</summary>
    public IReadOnlyList<string> Addresses
    {
        get
        {
            var bound = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            return bound.Select(a => a.StartsWith("http://unix:", StringComparison.Ordinal) ? "unix:" + a["http://unix:".Length..] : a).ToList();
        }
    }

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

        var dataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the data directory '{dataDir}': {ex.Message}", ex);
        }

        foreach (var listener in listeners)
        {
            listener.PrepareUnixSocket();
        }

        IKeyspace store;
        using (var loggerFactory = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole()))
        {
            store = await KeyspaceFactory.OpenAsync(options, dataDir, loggerFactory, cancellationToken).ConfigureAwait(false);
        }

        WebApplication? app = null;
        try
        {
            app = Build(builder, options, listeners, store);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var server = new CairnServer(app, store, options, listeners);
            server._cluster = !options.Cluster.Enabled ? null : await ClusterMember.StartAsync(server, app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch (Exception ex)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            await store.DisposeAsync().ConfigureAwait(false);
            if (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                throw new StartupException($"Cannot listen on {string.Join(", ", listeners)}: {ex.Message}", ex);
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

    private static WebApplication Build(WebApplicationBuilder builder, CairnOptions options, IReadOnlyList<ListenerAddress> listeners, IKeyspace store)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.Limits.MaxRequestBytes, options.Limits.MaxValueBytes);
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
        });

        var services = builder.Services;
        services.AddSingleton(store);
        services.AddSingleton(options.KeyspaceLimits());
        services.AddSingleton<MeterBridge>();
        services.AddSingleton(new NodeInfo(options.NodeId!, TimeProvider.System.GetUtcNow(), TimeProvider.System));
        services.AddOpenApi();

        var app = builder.Build();
        app.Services.GetRequiredService<MeterBridge>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseHttpMetrics();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        KvEndpoints.Map(app);
        TxnEndpoints.Map(app);
        AdminEndpoints.Map(app);
        LeaseEndpoints.Map(app);
        WatchEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

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
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
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
