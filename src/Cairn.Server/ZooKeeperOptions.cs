namespace Cairn.Server;

/// <summary>Settings of the ZooKeeper backend (<c>ZooKeeper:*</c>).</summary>
public sealed class ZooKeeperOptions
{
    /// <summary>The ensemble, <c>host1:2181,host2:2181[/chroot]</c> (<c>--zk-connect</c>, <c>CAIRN_ZOOKEEPER__CONNECT</c>).
    /// A chroot must exist.</summary>
    public string? Connect { get; set; }

    /// <summary>The znode the keyspace lives under (made on first start); default <c>/cairn</c>.</summary>
    public string Root { get; set; } = "/cairn";

    /// <summary>Digest credentials <c>USER:PASSWORD</c> (<c>--zk-digest</c>, <c>CAIRN_ZOOKEEPER__DIGEST</c>); the keyspace's
    /// znodes are then that user's alone.</summary>
    public string? Digest { get; set; }

    /// <summary>The session timeout asked of ZooKeeper, in seconds (the ensemble bounds it); default 10.</summary>
    public double SessionTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a request waits for ZooKeeper before failing with 503, in seconds; default 5.</summary>
    public double RequestTimeoutSeconds { get; set; } = 5;
}
