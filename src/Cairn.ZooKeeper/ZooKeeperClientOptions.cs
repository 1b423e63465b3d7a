using Microsoft.Extensions.Logging;

namespace Cairn.ZooKeeper;

/// <summary>How a <see cref="ZooKeeperClient"/> connects and what session it asks for.</summary>
public sealed record ZooKeeperClientOptions
{
    /// <summary>
    /// The servers and an optional chroot: <c>host:port[,host:port...][/chroot]</c>, e.g.
    /// <c>zk1:2181,zk2:2181/apps/cairn</c>; an IPv6 address goes in brackets, <c>[::1]:2181</c>. Every host needs its
    /// port. The client tries the servers in a random order, and with a chroot every path it sends and receives is
    /// relative to the chroot (which must exist).
    /// </summary>
    public required string ConnectString { get; init; }

    /// <summary>
    /// The session timeout asked for; the server bounds it by its own minimum and maximum (2 and 20 ticks by default),
    /// and <see cref="ZooKeeperClient.NegotiatedSessionTimeout"/> tells what was granted. A session survives a lost
    /// connection as long as the client reconnects within it.
    /// </summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="ZooKeeperClient.ConnectAsync"/> waits for the first session before it gives up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Credentials sent on every connect and reconnect, before any request (e.g. <see cref="ZooKeeperAuth.Digest"/>).</summary>
    public IReadOnlyList<ZooKeeperAuth> Auth { get; init; } = [];

    /// <summary>
    /// TLS to every server, whose connect-string ports must then be their secure client ports (<c>secureClientPort</c>);
    /// null (the default) speaks plain TCP.
    /// </summary>
    public ZooKeeperTlsOptions? Tls { get; init; }

    /// <summary>Where the client logs connects, disconnects and protocol errors; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// The id of an existing session to resume (with <see cref="SessionPassword"/>), as a restarted process may within
    /// the session's timeout; 0 (the default) starts a new session. A session that has ended fails the connect.
    /// </summary>
    public long SessionId { get; init; }

    /// <summary>The password of the session to resume: the <see cref="ZooKeeperClient.SessionPassword"/> of the client that started it.</summary>
    public ReadOnlyMemory<byte> SessionPassword { get; init; }

    /// <summary>
    /// The longest reply the client accepts, in bytes (default 16 MiB). A longer reply fails its request with
    /// <see cref="MarshallingErrorException"/> naming the limit; the connection carries on. Servers refuse requests
    /// over their own <c>jute.maxbuffer</c> (1 MiB by default) by closing the connection.
    /// </summary>
    public int MaxReplyBytes { get; init; } = 16 * 1024 * 1024;
}
