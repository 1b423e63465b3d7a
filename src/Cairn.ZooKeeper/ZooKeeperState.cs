namespace Cairn.ZooKeeper;

/// <summary>The state of a client's connection and session.</summary>
public enum ZooKeeperState
{
    /// <summary>Looking for a server for the first session.</summary>
    Connecting,

    /// <summary>The session is up on a server; requests flow.</summary>
    Connected,

    /// <summary>The connection was lost and the client is reconnecting; the session may still be alive. Requests wait.</summary>
    Disconnected,

    /// <summary>The session has expired (final): its ephemerals and watches are gone; make a new client.</summary>
    Expired,

    /// <summary>A server refused the credentials (final); make a new client.</summary>
    AuthFailed,

    /// <summary>The client was disposed (final).</summary>
    Closed,
}
