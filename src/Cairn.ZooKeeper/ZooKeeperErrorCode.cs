namespace Cairn.ZooKeeper;

/// <summary>The server's error codes (<c>KeeperException.Code</c>); each but <see cref="Ok"/> has an exception type.</summary>
public enum ZooKeeperErrorCode
{
    /// <summary>No error.</summary>
    Ok = 0,

    /// <summary>A system or server-side error.</summary>
    SystemError = -1,

    /// <summary>A runtime inconsistency; in a failed multi, an operation that was not tried.</summary>
    RuntimeInconsistency = -2,

    /// <summary>A data inconsistency was found.</summary>
    DataInconsistency = -3,

    /// <summary>The connection to the server was lost before the reply: the request may or may not have applied.</summary>
    ConnectionLoss = -4,

    /// <summary>A request or reply could not be (de)serialised.</summary>
    MarshallingError = -5,

    /// <summary>The operation is not implemented by the server.</summary>
    Unimplemented = -6,

    /// <summary>The operation timed out.</summary>
    OperationTimeout = -7,

    /// <summary>Invalid arguments.</summary>
    BadArguments = -8,

    /// <summary>The session is not known to the server.</summary>
    UnknownSession = -12,

    /// <summary>A reconfiguration's new configuration has no quorum.</summary>
    NewConfigNoQuorum = -13,

    /// <summary>Another reconfiguration is in progress.</summary>
    ReconfigInProgress = -14,

    /// <summary>An API error.</summary>
    ApiError = -100,

    /// <summary>The node does not exist.</summary>
    NoNode = -101,

    /// <summary>The session lacks the permission the node's ACL requires.</summary>
    NoAuth = -102,

    /// <summary>The node's version is not the expected one.</summary>
    BadVersion = -103,

    /// <summary>Ephemeral nodes cannot have children.</summary>
    NoChildrenForEphemerals = -108,

    /// <summary>The node already exists.</summary>
    NodeExists = -110,

    /// <summary>The node has children.</summary>
    NotEmpty = -111,

    /// <summary>The session has expired.</summary>
    SessionExpired = -112,

    /// <summary>An invalid callback.</summary>
    InvalidCallback = -113,

    /// <summary>The ACL is invalid (e.g. empty, or <c>auth</c> without credentials).</summary>
    InvalidAcl = -114,

    /// <summary>The server refused the credentials.</summary>
    AuthFailed = -115,

    /// <summary>The session moved to another server.</summary>
    SessionMoved = -118,

    /// <summary>A state-changing request reached a read-only server.</summary>
    NotReadOnly = -119,

    /// <summary>An ephemeral cannot be created on a local session.</summary>
    EphemeralOnLocalSession = -120,

    /// <summary>No watch of that type on that path.</summary>
    NoWatcher = -121,

    /// <summary>The request timed out.</summary>
    RequestTimeout = -122,

    /// <summary>Dynamic reconfiguration is disabled.</summary>
    ReconfigDisabled = -123,

    /// <summary>The session was closed because the client failed SASL authentication.</summary>
    SessionClosedRequireSaslAuth = -124,

    /// <summary>A quota was exceeded.</summary>
    QuotaExceeded = -125,

    /// <summary>The server throttled the operation under load.</summary>
    Throttled = -127,
}
