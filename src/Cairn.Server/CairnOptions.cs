using Cairn.Core;
using Cairn.Server.EtcdApi;
using Cairn.Storage.Sqlite;

namespace Cairn.Server;

/// <summary>
/// Server settings. Read from <c>appsettings.json</c>, then <c>CAIRN_*</c> environment variables
/// (<c>CAIRN_DATADIR</c>, <c>CAIRN_LISTEN</c>, <c>CAIRN_LIMITS__MAXVALUEBYTES</c>…), then command-line flags. These are
/// the host's own; each module reads its own section (<c>Journal</c>, <c>Volumes</c>, <c>Pulzar</c>, <c>Extensions</c>,
/// <c>Compaction</c>) into its own options class.
/// </summary>
public sealed class CairnOptions
{
    /// <summary>Where the embedded store (and the default Unix socket) live.</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary>
    /// Listeners: <c>http://HOST:PORT</c> or <c>unix:PATH</c>, a Unix socket with its mode, owner and group after
    /// <c>?</c> (<c>unix:/run/cairn/cairn.sock?mode=0660&amp;group=app</c>; 0700 and the server's own user and group
    /// unless given). A comma-separated string is accepted too. Default: <c>http://127.0.0.1:7070</c> and
    /// <c>unix:DATADIR/cairn.sock</c>.
    /// </summary>
    public List<string> Listen { get; set; } = [];

    /// <summary><c>full</c> (fsync every commit; default) or <c>none</c> (survives kill -9, not power loss).</summary>
    public SqliteDurability Durability { get; set; } = SqliteDurability.Full;

    /// <summary>Size limits.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>Which browser requests are allowed (<c>Http:AllowedOrigins</c>) and which <c>Host</c> names
    /// (<c>Http:AllowedHosts</c>); by default only the server's own origin and, on loopback, loopback names.</summary>
    public HttpOptions Http { get; set; } = new();

    /// <summary>This node's id in the cluster, status and metrics; unique per process. Default:
    /// <c>&lt;hostname&gt;-&lt;pid&gt;-&lt;random&gt;</c>.</summary>
    public string? NodeId { get; set; }

    /// <summary>The keyspace backend: <c>sqlite</c> (embedded, default), <c>log</c> (embedded: the state in memory over an append-only log), <c>etcd</c> or <c>zookeeper</c>.</summary>
    public string Backend { get; set; } = "sqlite";

    /// <summary>How long start-up waits for an unreachable backend before giving up, read from <c>Backend:StartTimeout</c>
    /// (a duration; default 60s) at start.</summary>
    public TimeSpan BackendStartTimeout { get; internal set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a client may take to send a request's headers, from <c>Limits:RequestHeadersTimeout</c>.</summary>
    public TimeSpan RequestHeadersTimeout { get; internal set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idle keep-alive connection stays open, from <c>Limits:KeepAliveTimeout</c>.</summary>
    public TimeSpan KeepAliveTimeout { get; internal set; } = TimeSpan.FromMinutes(2);

    /// <summary>The etcd backend's settings.</summary>
    public EtcdOptions Etcd { get; set; } = new();

    /// <summary>The ZooKeeper backend's settings.</summary>
    public ZooKeeperOptions ZooKeeper { get; set; } = new();

    /// <summary>This node's membership in the cluster.</summary>
    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>etcd's v3 gRPC API (<c>EtcdApi:Listen</c>); off by default.</summary>
    public EtcdApiOptions EtcdApi { get; set; } = new();

    /// <summary>The listeners to open, with the defaults filled in.</summary>
    public IReadOnlyList<string> EffectiveListeners() =>
        Listen.Count > 0
            ? Listen.SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : ["http://127.0.0.1:7070", "unix:" + Path.Combine(DataDir, "cairn.sock")];

    /// <summary>The largest request body Kestrel accepts before a handler raises it for its own request (blobs, large
    /// journal messages).</summary>
    public long MaxRequestBodyBytes() => Math.Max(Limits.MaxRequestBytes, Limits.MaxValueBytes);

    /// <summary>The keyspace limits these options describe.</summary>
    public KeyspaceLimits KeyspaceLimits() => new()
    {
        MaxKeyBytes = Limits.MaxKeyBytes,
        MaxValueBytes = Limits.MaxValueBytes,
        MaxTxnOps = Limits.MaxTxnOps,
        MaxWatches = Limits.MaxWatches,
    };
}
