using Cairn.Server.Http;
using Microsoft.Extensions.Configuration;

namespace Cairn.Server.Hosting;

/// <summary>Where the host's settings come from, and the host's own settings read and checked (each module reads its own
/// in <see cref="ICairnModule.Configure"/>).</summary>
internal static class HostSettings
{
    /// <summary>Only Cairn's own sources, in increasing precedence: defaults, appsettings.json (or the file named by the
    /// <c>ConfigFile</c> override), <c>CAIRN_*</c> variables, arguments, flags.</summary>
    public static void ConfigureSources(ConfigurationManager configuration, string[] args, IReadOnlyDictionary<string, string?>? overrides) =>
        ConfigureSources(configuration, args, overrides, ProcessEnvironment());

    /// <summary>The same, with the environment given (<paramref name="environment"/>: variable name → value) for the
    /// seed's variables, so that tests need not change the process's own. <c>CAIRN_*</c> variables are still read from
    /// the process.</summary>
    public static void ConfigureSources(ConfigurationManager configuration, string[] args, IReadOnlyDictionary<string, string?>? overrides, IReadOnlyDictionary<string, string?> environment)
    {
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",

            // gRPC's per-call chatter: at Information it logs, with a stack trace, every watch or keep-alive stream a
            // client resets, which is how such streams usually end.
            ["Logging:LogLevel:Grpc"] = "Warning",
        });
        var configFile = overrides?.GetValueOrDefault("ConfigFile");
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new StartupException($"Configuration file '{configFile}' does not exist.");
        }

        var file = Path.GetFullPath(configFile ?? "appsettings.json");
        try
        {
            configuration.AddJsonFile(file, optional: configFile is null, reloadOnChange: false);
        }
        catch (InvalidDataException ex)
        {
            throw new StartupException(NotJson(file, ex), ex);
        }

        configuration.AddInMemoryCollection(SeedEnvironment(environment));
        configuration.AddEnvironmentVariables("CAIRN_");
        configuration.AddCommandLine(args);
        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides.Where(o => o.Key != "ConfigFile"));
        }
    }

    /// <summary>A start-up error of one line for a configuration file that does not parse: the file, the line and column,
    /// and what the parser expected.</summary>
    private static string NotJson(string file, Exception error)
    {
        var inner = error;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        if (inner is System.Text.Json.JsonException { LineNumber: { } line } json)
        {
            // The parser's message repeats the position ("… LineNumber: 2 | BytePositionInLine: 7."), 0-based.
            var message = json.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            var what = (cut > 0 ? message[..cut] : message).TrimEnd('.');
            return $"Configuration file '{file}' is not valid JSON: line {line + 1}, column {(json.BytePositionInLine ?? 0) + 1}: {what}.";
        }

        return $"Configuration file '{file}' cannot be read: {string.Join(' ', inner.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}";
    }

    /// <summary>Every setting the server reads: the host's own (<see cref="CairnOptions"/>, <c>Backend:StartTimeout</c>,
    /// <c>Auth</c>, <c>Tls</c>, <c>Logging:Format</c>) and each module's (<see cref="ICairnModule.ConfigSections"/>).</summary>
    public static SettingNode Schema(IEnumerable<ICairnModule> modules)
    {
        var root = new SettingNode("").AddProperties(typeof(CairnOptions));
        root.Include(new SettingNode("Backend").With(SettingNode.FromType("StartTimeout", typeof(string), depth: 0)));
        root.Include(SettingNode.Section(Security.AuthSettings.Section, typeof(Security.AuthOptions)));
        root.Include(SettingNode.Section("Tls", typeof(Security.TlsOptions)));
        foreach (var section in modules.SelectMany(m => m.ConfigSections))
        {
            root.Include(section);
        }

        return root;
    }

    /// <summary>
    /// pacifica-cartd's environment variables, as its deployments set them, mapped onto the <c>Carts</c> settings: below
    /// every <c>CAIRN_*</c> variable, argument and flag, so a <c>CAIRN_CARTS__…</c> setting wins. Their values are read
    /// by the carts module as the seed read them (sizes such as <c>4 Mb</c>, switches such as <c>on</c>), and a bad one
    /// is a start-up error that names the setting.
    /// </summary>
    public static Dictionary<string, string?> SeedEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, setting) in SeedVariables)
        {
            if (environment.TryGetValue(variable, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                settings[setting] = value.Trim();
            }
        }

        return settings;
    }

    // The seed's variable → Cairn's setting.
    private static readonly (string Variable, string Setting)[] SeedVariables =
    [
        ("VOLUME_PATH", "Carts:Directory"),
        ("TRANSFER_SIZE", "Carts:TransferSize"),
        ("LRU_BUFFER_TIME", "Carts:LruBufferTime"),
        ("LRU_PURGE", "Carts:LruPurge"),
        ("BUNDLE_TASK", "Carts:BundleTask"),
        ("ARCHIVE_INTERFACE_URL", "Carts:ArchiveUrl"),
    ];

    private static Dictionary<string, string?> ProcessEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (variable, _) in SeedVariables)
        {
            environment[variable] = Environment.GetEnvironmentVariable(variable);
        }

        return environment;
    }

    /// <summary>The host's settings.</summary>
    /// <exception cref="StartupException">One cannot work; the message names it.</exception>
    public static CairnOptions Read(IConfiguration configuration)
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

        // CAIRN_LISTEN="http://…,unix:…" and CAIRN_ETCD__ENDPOINTS arrive as one string rather than a list.
        options.Listen = [.. Settings.List(configuration, "Listen")];
        options.Etcd.Endpoints = [.. Settings.List(configuration, "Etcd:Endpoints")];
        options.EtcdApi.Listen = [.. Settings.List(configuration, "EtcdApi:Listen")];
        options.Http.AllowedOrigins = [.. Settings.List(configuration, "Http:AllowedOrigins")];
        options.Http.AllowedHosts = [.. Settings.List(configuration, "Http:AllowedHosts")];

        // Parsed here only to refuse a bad entry before anything starts; the browser guard parses them again.
        _ = OriginAllowList.Parse("Http:AllowedOrigins", options.Http.AllowedOrigins);
        _ = HostAllowList.Parse(options.Http.AllowedHosts);

        if (options.Limits.MaxKeyBytes <= 0 || options.Limits.MaxValueBytes <= 0 || options.Limits.MaxRequestBytes <= 0 || options.Limits.MaxTxnOps <= 0)
        {
            throw new StartupException("Every limit (Limits:MaxKeyBytes, MaxValueBytes, MaxRequestBytes, MaxTxnOps) must be positive.");
        }

        if (options.Limits.QuotaBytes < 0 || options.Limits.MinFreeBytes < 0)
        {
            throw new StartupException("Limits:QuotaBytes and Limits:MinFreeBytes must be 0 (automatic) or positive.");
        }

        if (options.Limits.MaxConnections < 0 || options.Limits.MaxConnectionsPerAddress < 0 || options.Limits.MaxWatches < 0)
        {
            throw new StartupException("Limits:MaxConnections, MaxConnectionsPerAddress and MaxWatches must be 0 (default / no cap) or positive.");
        }

        options.RequestHeadersTimeout = Settings.Duration("Limits:RequestHeadersTimeout", options.Limits.RequestHeadersTimeout, TimeSpan.FromSeconds(30));
        options.KeepAliveTimeout = Settings.Duration("Limits:KeepAliveTimeout", options.Limits.KeepAliveTimeout, TimeSpan.FromMinutes(2));
        options.BackendStartTimeout = Settings.Duration("Backend:StartTimeout", configuration["Backend:StartTimeout"], TimeSpan.FromSeconds(60));
        var ttl = Settings.Duration("Cluster:NodeTtl", options.Cluster.NodeTtl, TimeSpan.FromSeconds(10), legacySetting: "Cluster:NodeTtlSeconds", legacyValue: options.Cluster.NodeTtlSeconds);
        if (ttl < TimeSpan.FromSeconds(1) || ttl > TimeSpan.FromHours(1))
        {
            throw new StartupException($"Cluster:NodeTtl must be between 1s and 1h; got {Core.Durations.Format(ttl)}.");
        }

        options.Cluster.Ttl = ttl;

        // Unique per process, and per server in a process (tests run several): host, pid and a random suffix.
        options.NodeId ??= $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
        return options;
    }
}
