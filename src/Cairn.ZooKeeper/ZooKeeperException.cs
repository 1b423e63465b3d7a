namespace Cairn.ZooKeeper;

/// <summary>
/// An error code from the server, or a connection or session outcome; each code has its own sealed type
/// (<see cref="NoNodeException"/>, <see cref="ConnectionLossException"/>, …) that <see cref="Create"/> makes.
/// </summary>
public class ZooKeeperException : Exception
{
    /// <summary>Creates the exception; derived types fix the code.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="path">The node the request was about, relative to the chroot, if any.</param>
    /// <param name="message">The message; a one-line description of the code (and the path) when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected ZooKeeperException(ZooKeeperErrorCode code, string? path, string? message, Exception? innerException)
        : base(message ?? Describe(code, path), innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>The error code.</summary>
    public ZooKeeperErrorCode Code { get; }

    /// <summary>The node the failed request was about, relative to the chroot; null when none.</summary>
    public string? Path { get; }

    /// <summary>The exception of the type that belongs to <paramref name="code"/>.</summary>
    /// <param name="code">An error code other than <see cref="ZooKeeperErrorCode.Ok"/>; codes this client does not know give a plain <see cref="ZooKeeperException"/>.</param>
    /// <param name="path">The node the request was about, if any.</param>
    /// <returns>The exception (not thrown).</returns>
    public static ZooKeeperException Create(ZooKeeperErrorCode code, string? path = null) => Make(code, path, null, null);

    internal static ZooKeeperException Make(ZooKeeperErrorCode code, string? path, string? message, Exception? innerException) =>
        code switch
        {
            ZooKeeperErrorCode.Ok => throw new ArgumentOutOfRangeException(nameof(code), "Ok is not an error."),
            ZooKeeperErrorCode.SystemError => new SystemErrorException(path, message, innerException),
            ZooKeeperErrorCode.RuntimeInconsistency => new RuntimeInconsistencyException(path, message, innerException),
            ZooKeeperErrorCode.DataInconsistency => new DataInconsistencyException(path, message, innerException),
            ZooKeeperErrorCode.ConnectionLoss => new ConnectionLossException(path, message, innerException),
            ZooKeeperErrorCode.MarshallingError => new MarshallingErrorException(path, message, innerException),
            ZooKeeperErrorCode.Unimplemented => new UnimplementedException(path, message, innerException),
            ZooKeeperErrorCode.OperationTimeout => new OperationTimeoutException(path, message, innerException),
            ZooKeeperErrorCode.BadArguments => new BadArgumentsException(path, message, innerException),
            ZooKeeperErrorCode.UnknownSession => new UnknownSessionException(path, message, innerException),
            ZooKeeperErrorCode.NewConfigNoQuorum => new NewConfigNoQuorumException(path, message, innerException),
            ZooKeeperErrorCode.ReconfigInProgress => new ReconfigInProgressException(path, message, innerException),
            ZooKeeperErrorCode.ApiError => new ApiErrorException(path, message, innerException),
            ZooKeeperErrorCode.NoNode => new NoNodeException(path, message, innerException),
            ZooKeeperErrorCode.NoAuth => new NoAuthException(path, message, innerException),
            ZooKeeperErrorCode.BadVersion => new BadVersionException(path, message, innerException),
            ZooKeeperErrorCode.NoChildrenForEphemerals => new NoChildrenForEphemeralsException(path, message, innerException),
            ZooKeeperErrorCode.NodeExists => new NodeExistsException(path, message, innerException),
            ZooKeeperErrorCode.NotEmpty => new NotEmptyException(path, message, innerException),
            ZooKeeperErrorCode.SessionExpired => new SessionExpiredException(path, message, innerException),
            ZooKeeperErrorCode.InvalidCallback => new InvalidCallbackException(path, message, innerException),
            ZooKeeperErrorCode.InvalidAcl => new InvalidAclException(path, message, innerException),
            ZooKeeperErrorCode.AuthFailed => new AuthFailedException(path, message, innerException),
            ZooKeeperErrorCode.SessionMoved => new SessionMovedException(path, message, innerException),
            ZooKeeperErrorCode.NotReadOnly => new NotReadOnlyException(path, message, innerException),
            ZooKeeperErrorCode.EphemeralOnLocalSession => new EphemeralOnLocalSessionException(path, message, innerException),
            ZooKeeperErrorCode.NoWatcher => new NoWatcherException(path, message, innerException),
            ZooKeeperErrorCode.RequestTimeout => new RequestTimeoutException(path, message, innerException),
            ZooKeeperErrorCode.ReconfigDisabled => new ReconfigDisabledException(path, message, innerException),
            ZooKeeperErrorCode.SessionClosedRequireSaslAuth => new SessionClosedRequireSaslAuthException(path, message, innerException),
            ZooKeeperErrorCode.QuotaExceeded => new QuotaExceededException(path, message, innerException),
            ZooKeeperErrorCode.Throttled => new ThrottledException(path, message, innerException),
            _ => new ZooKeeperException(code, path, message, innerException),
        };

    internal static string Describe(ZooKeeperErrorCode code, string? path) =>
        path is null ? $"{code}: {Description(code)}" : $"{code} for {path}: {Description(code)}";

    private static string Description(ZooKeeperErrorCode code) =>
        code switch
        {
            ZooKeeperErrorCode.SystemError => "a system or server-side error",
            ZooKeeperErrorCode.RuntimeInconsistency => "a runtime inconsistency (in a multi: an operation not tried because another failed)",
            ZooKeeperErrorCode.DataInconsistency => "a data inconsistency was found",
            ZooKeeperErrorCode.ConnectionLoss => "the connection to the server was lost before the reply, so the request may or may not have applied",
            ZooKeeperErrorCode.MarshallingError => "a request or reply could not be serialised or read",
            ZooKeeperErrorCode.Unimplemented => "the server does not implement the operation",
            ZooKeeperErrorCode.OperationTimeout => "the operation timed out",
            ZooKeeperErrorCode.BadArguments => "invalid arguments",
            ZooKeeperErrorCode.UnknownSession => "the server does not know the session",
            ZooKeeperErrorCode.NewConfigNoQuorum => "the new configuration has no quorum",
            ZooKeeperErrorCode.ReconfigInProgress => "another reconfiguration is in progress",
            ZooKeeperErrorCode.ApiError => "an API error",
            ZooKeeperErrorCode.NoNode => "the node does not exist",
            ZooKeeperErrorCode.NoAuth => "the node's ACL does not grant this session the permission",
            ZooKeeperErrorCode.BadVersion => "the node's version is not the one expected",
            ZooKeeperErrorCode.NoChildrenForEphemerals => "an ephemeral node cannot have children",
            ZooKeeperErrorCode.NodeExists => "the node already exists",
            ZooKeeperErrorCode.NotEmpty => "the node has children",
            ZooKeeperErrorCode.SessionExpired => "the session has expired (its ephemerals and watches are gone); make a new client",
            ZooKeeperErrorCode.InvalidCallback => "an invalid callback",
            ZooKeeperErrorCode.InvalidAcl => "the ACL is invalid (empty, malformed, or naming 'auth' without credentials)",
            ZooKeeperErrorCode.AuthFailed => "the server refused the credentials; make a new client with others",
            ZooKeeperErrorCode.SessionMoved => "the session moved to another server",
            ZooKeeperErrorCode.NotReadOnly => "a state-changing request reached a read-only server",
            ZooKeeperErrorCode.EphemeralOnLocalSession => "an ephemeral cannot be created on a local session",
            ZooKeeperErrorCode.NoWatcher => "there is no such watch on the node",
            ZooKeeperErrorCode.RequestTimeout => "the request timed out",
            ZooKeeperErrorCode.ReconfigDisabled => "dynamic reconfiguration is disabled on the server",
            ZooKeeperErrorCode.SessionClosedRequireSaslAuth => "the session was closed because the client failed SASL authentication",
            ZooKeeperErrorCode.QuotaExceeded => "a quota was exceeded",
            ZooKeeperErrorCode.Throttled => "the server throttled the operation under load",
            _ => $"error code {(int)code}",
        };
}
