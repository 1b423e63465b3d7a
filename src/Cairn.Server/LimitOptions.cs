namespace Cairn.Server;

/// <summary>Request limits; exceeding one is a 4xx problem, never a crash.</summary>
public sealed class LimitOptions
{
    /// <summary>Longest key, in UTF-8 bytes.</summary>
    public int MaxKeyBytes { get; set; } = 4096;

    /// <summary>Largest value, in bytes (1 MiB, as etcd and ZooKeeper). Large values belong in volumes.</summary>
    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most ops in one txn branch.</summary>
    public int MaxTxnOps { get; set; } = 128;

    /// <summary>Most concurrent connections over all listeners, a quarter of them at most watch sockets (WebSockets);
    /// past it a new connection is closed at once (a watch socket past its share is answered 503). 0 (default):
    /// the process's open-file limit less a reserve (a tenth of it, at least 256) for the store, volumes, extensions and
    /// the runtime, so that a flood of connections never runs the process out of file descriptors.</summary>
    public int MaxConnections { get; set; }

    /// <summary>Most concurrent TCP connections from one client address (Unix sockets are not counted); past it a new
    /// connection from that address is closed at once. Default 1,000 (ZooKeeper's maxClientCnxns is 60); 0: no cap.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 1000;

    /// <summary>Most watches open at once (SSE streams, each watch on a watch socket, the server's own); past it a new
    /// watch gets 503. Default 100,000; 0: no limit.</summary>
    public int MaxWatches { get; set; } = 100_000;

    /// <summary>How long a client may take to send a request's headers (a duration; default 30s), and to keep an idle
    /// connection open between requests (<see cref="KeepAliveTimeout"/>). A body must arrive at 240 bytes/s at least
    /// (after a 5 s grace), as Kestrel's default.</summary>
    public string? RequestHeadersTimeout { get; set; }

    /// <summary>How long an idle keep-alive connection stays open (a duration; default 2m).</summary>
    public string? KeepAliveTimeout { get; set; }

    /// <summary>Most bytes of data the store may hold before the "no space" alarm refuses writes that add data (507);
    /// 0 (default): no quota but the disk (<see cref="MinFreeBytes"/>). On etcd, etcd's own quota applies as well.</summary>
    public long QuotaBytes { get; set; }

    /// <summary>Free bytes kept on the embedded store's filesystem: below it the alarm is raised, so that deletes and
    /// compaction still have room. 0 (default): 5 % of the filesystem, between 4 MiB and 1 GiB.</summary>
    public long MinFreeBytes { get; set; }
}
