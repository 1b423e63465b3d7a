using Cairn.Core;
using Cairn.Storage.Sqlite;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// Opens the backend that <see cref="CairnOptions.Backend"/> names. Adding a backend is one case in
/// <see cref="OpenAsync"/>; waiting out an unreachable one is shared (<see cref="OpenWithRetryAsync"/>).
/// </summary>
internal static partial class KeyspaceFactory
{
    public static async Task<IKeyspace> OpenAsync(CairnOptions options, string dataDir, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Cairn.Server.Backend");
        switch (options.Backend.Trim().ToLowerInvariant())
        {
            case "sqlite":
                try
                {
                    return await SqliteKeyspace.OpenAsync(
                        new SqliteKeyspaceOptions
                        {
                            Path = Path.Combine(dataDir, "cairn.db"),
                            Durability = options.Durability,
                            Time = time,
                            MaxWalBytes = MaxWalBytes(options, dataDir),
                        },
                        loggers.CreateLogger<SqliteKeyspace>(),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (UnavailableException ex)
                {
                    // A local file that cannot be opened will not open by waiting.
                    throw new StartupException(ex.Message, ex);
                }

            case "log":
                try
                {
                    return await Cairn.Storage.Log.LogKeyspace.OpenAsync(
                        new Cairn.Storage.Log.LogKeyspaceOptions
                        {
                            Directory = Path.Combine(dataDir, "log"),
                            Durable = options.Durability == SqliteDurability.Full,
                            Time = time,
                        },
                        loggers.CreateLogger("Cairn.Storage.Log"),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (CairnException ex) when (ex is UnavailableException or CorruptException)
                {
                    // A local directory that cannot be opened, or a log damaged beyond a torn tail, will not open by waiting.
                    throw new StartupException($"Backend 'log': {ex.Message}", ex);
                }

            case "etcd":
                var endpoints = options.Etcd.EffectiveEndpoints();
                if (endpoints.Count == 0)
                {
                    throw new StartupException("Backend 'etcd' needs Etcd:Endpoints (--etcd-endpoints http://HOST:2379[,…] or CAIRN_ETCD__ENDPOINTS).");
                }

                foreach (var endpoint in endpoints)
                {
                    if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    {
                        throw new StartupException($"Etcd endpoint '{endpoint}' is not an http:// or https:// URL.");
                    }
                }

                var etcdOptions = new Cairn.Storage.Etcd.EtcdKeyspaceOptions
                {
                    Endpoints = endpoints,
                    Username = string.IsNullOrEmpty(options.Etcd.Username) ? null : options.Etcd.Username,
                    Password = SecretFile.Resolve(options.Etcd.Password, options.Etcd.PasswordFile, "Etcd:Password", "Etcd:PasswordFile"),
                    CaFile = NullIfEmpty(options.Etcd.CaFile),
                    CertFile = NullIfEmpty(options.Etcd.CertFile),
                    KeyFile = NullIfEmpty(options.Etcd.KeyFile),
                    Prefix = options.Etcd.Prefix,
                };
                if (etcdOptions.Password is not null && etcdOptions.Username is null)
                {
                    throw new StartupException("Etcd:Password (or Etcd:PasswordFile) is set without Etcd:Username.");
                }

                try
                {
                    return await OpenWithRetryAsync(
                        "etcd at " + string.Join(", ", endpoints) + (string.IsNullOrEmpty(etcdOptions.Prefix) ? "" : $" (prefix '{etcdOptions.Prefix}')"),
                        async ct => await Cairn.Storage.Etcd.EtcdKeyspace.ConnectAsync(etcdOptions, loggers.CreateLogger("Cairn.Storage.Etcd"), ct).ConfigureAwait(false),
                        options.BackendStartTimeout,
                        logger,
                        time,
                        cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidArgumentException ex)
                {
                    // A file, a certificate or a password that etcd refuses: waiting will not help.
                    throw new StartupException($"Backend 'etcd': {ex.Message}", ex);
                }

            case "zookeeper":
                return await OpenZooKeeperAsync(options, time, loggers, logger, cancellationToken).ConfigureAwait(false);

            default:
                throw new StartupException($"Unknown backend '{options.Backend}'; use 'sqlite' (embedded, the default), 'log' (embedded, in memory over an append-only log), 'etcd' or 'zookeeper'.");
        }
    }

    private static async Task<IKeyspace> OpenZooKeeperAsync(CairnOptions options, TimeProvider time, ILoggerFactory loggers, ILogger logger, CancellationToken cancellationToken)
    {
        var zk = options.ZooKeeper;
        if (string.IsNullOrWhiteSpace(zk.Connect))
        {
            throw new StartupException("Backend 'zookeeper' needs ZooKeeper:Connect (--zk-connect HOST:2181[,…][/chroot] or CAIRN_ZOOKEEPER__CONNECT).");
        }

        if (!(zk.SessionTimeoutSeconds is >= 1 and <= 600) || !(zk.RequestTimeoutSeconds is > 0 and <= 600))
        {
            throw new StartupException("ZooKeeper:SessionTimeoutSeconds must be 1 to 600 and ZooKeeper:RequestTimeoutSeconds above 0 and at most 600.");
        }

        Cairn.ZooKeeper.ZooKeeperTlsOptions? tls = null;
        if (zk.Tls || !string.IsNullOrEmpty(zk.CaFile) || !string.IsNullOrEmpty(zk.CertFile) || !string.IsNullOrEmpty(zk.KeyFile))
        {
            try
            {
                tls = Cairn.ZooKeeper.ZooKeeperTlsOptions.FromPemFiles(NullIfEmpty(zk.CaFile), NullIfEmpty(zk.CertFile), NullIfEmpty(zk.KeyFile));
            }
            catch (ArgumentException ex)
            {
                throw new StartupException($"ZooKeeper TLS (ZooKeeper:CaFile, ZooKeeper:CertFile, ZooKeeper:KeyFile): {ex.Message}", ex);
            }
        }

        var zkOptions = new Cairn.Storage.ZooKeeper.ZooKeeperKeyspaceOptions
        {
            ConnectString = zk.Connect.Trim(),
            Root = zk.Root,
            Digest = SecretFile.Resolve(zk.Digest, zk.DigestFile, "ZooKeeper:Digest", "ZooKeeper:DigestFile"),
            Tls = tls,
            SessionTimeout = TimeSpan.FromSeconds(zk.SessionTimeoutSeconds),
            RequestTimeout = TimeSpan.FromSeconds(zk.RequestTimeoutSeconds),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(10, options.BackendStartTimeout.TotalSeconds)),
            Time = time,
        };
        try
        {
            return await OpenWithRetryAsync(
                "ZooKeeper at " + zkOptions.ConnectString,
                async ct => await Cairn.Storage.ZooKeeper.ZooKeeperKeyspace.OpenAsync(zkOptions, loggers.CreateLogger("Cairn.Storage.ZooKeeper"), ct).ConfigureAwait(false),
                options.BackendStartTimeout,
                logger,
                time,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Cairn.Storage.ZooKeeper.ZooKeeperBackendException ex)
        {
            throw new StartupException(ex.Message, ex);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    // The WAL is kept well under the free space the disk keeps (its pages are on disk twice until checkpointed) and the
    // quota (which counts the database only): at most 64 MiB, half the floor, a quarter of the quota; at least 1 MiB.
    private static long MaxWalBytes(CairnOptions options, string dataDir)
    {
        long total;
        try
        {
            total = Cairn.Core.IO.DiskSpace.Of(dataDir).Total;
        }
        catch (IOException)
        {
            return 64L << 20;
        }

        var floor = new Cairn.Storage.Space.SpaceQuota(options.Limits.QuotaBytes, options.Limits.MinFreeBytes).MinFreeOn(total);
        var limit = Math.Min(64L << 20, floor / 2);
        if (options.Limits.QuotaBytes > 0)
        {
            limit = Math.Min(limit, options.Limits.QuotaBytes / 4);
        }

        return Math.Max(limit, 1L << 20);
    }

    /// <summary>
    /// Calls <paramref name="open"/> until it stops throwing <see cref="UnavailableException"/>, with a doubling pause
    /// (250 ms to 5 s) and an error logged each time, for at most <paramref name="timeout"/>; then a
    /// <see cref="StartupException"/> saying what did not answer.
    /// </summary>
    public static async Task<IKeyspace> OpenWithRetryAsync(string what, Func<CancellationToken, Task<IKeyspace>> open, TimeSpan timeout, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        var pause = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await open(cancellationToken).ConfigureAwait(false);
            }
            catch (UnavailableException ex)
            {
                var left = deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    throw new StartupException(
                        $"The backend ({what}) did not answer within {timeout.TotalSeconds:0.#} s (Backend:StartTimeout): {ex.Message}", ex);
                }

                var wait = pause < left ? pause : left;
                LogUnreachable(logger, what, attempt, ex.Message, wait.TotalSeconds);
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, pause.Ticks * 2));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The backend ({What}) does not answer (attempt {Attempt}): {Reason}; retrying in {Seconds:0.##} s")]
    private static partial void LogUnreachable(ILogger logger, string what, int attempt, string reason, double seconds);
}
