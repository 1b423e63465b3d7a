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

    /// <summary>A file holding <see cref="Digest"/> (<c>USER:PASSWORD</c>; a trailing line break is ignored), which keeps
    /// the password off command lines; instead of <see cref="Digest"/>.</summary>
    public string? DigestFile { get; set; }

    /// <summary>Speak TLS to the ensemble (whose connect string then names the servers' <c>secureClientPort</c>s); on by
    /// itself when <see cref="CaFile"/> or <see cref="CertFile"/> is set.</summary>
    public bool Tls { get; set; }

    /// <summary>A PEM file of the CA that signed the servers' certificates: that CA alone is trusted, and a server's
    /// certificate must name its host. Without it, the system's CAs are trusted.</summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM file of the client certificate shown to the servers (<c>ssl.clientAuth=need</c>); it may hold the
    /// key too.</summary>
    public string? CertFile { get; set; }

    /// <summary>A PEM file of the private key of <see cref="CertFile"/>, when that file does not hold it.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The session timeout asked of ZooKeeper, in seconds (the ensemble bounds it); default 10.</summary>
    public double SessionTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a request waits for ZooKeeper before failing with 503, in seconds; default 5.</summary>
    public double RequestTimeoutSeconds { get; set; } = 5;
}
