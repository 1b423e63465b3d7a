using Cairn.Core;
using Cairn.Storage.Sqlite;
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
public sealed class CairnServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyList<ListenerAddress> _listeners;

    private CairnServer(WebApplication app, IKeyspace store, CairnOptions options, IReadOnlyList<ListenerAddress> listeners)
    {
        _app = app;
        Store = store;
        Options = options;
        _listeners = listeners;
    }

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

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole());
        IKeyspace store;
        try
        {
            store = await SqliteKeyspace.OpenAsync(
                new SqliteKeyspaceOptions { Path = Path.Combine(dataDir, "cairn.db"), Durability = options.Durability },
                loggerFactory.CreateLogger<SqliteKeyspace>(),
                cancellationToken).ConfigureAwait(false);
        }
        catch (UnavailableException ex)
        {
            throw new StartupException(ex.Message, ex);
        }

        try
        {
            var app = Build(builder, options, listeners, store);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new CairnServer(app, store, options, listeners);
        }
        catch (Exception ex)
        {
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

        options.NodeId ??= Environment.MachineName;
        return options;
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
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    /// <summary>Stops listening, finishes in-flight requests, closes the store and removes the Unix sockets.</summary>
    public async ValueTask DisposeAsync()
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
