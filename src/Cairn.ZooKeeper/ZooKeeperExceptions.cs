namespace Cairn.ZooKeeper;

// One sealed exception type per error code, so that callers catch what they mean (NoNodeException, not a code check).
// They are one-liners that differ only in their code: kept together here rather than as thirty files.

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.SystemError"/>.</summary>
public sealed class SystemErrorException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SystemErrorException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.SystemError, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.RuntimeInconsistency"/>.</summary>
public sealed class RuntimeInconsistencyException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public RuntimeInconsistencyException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.RuntimeInconsistency, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.DataInconsistency"/>.</summary>
public sealed class DataInconsistencyException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public DataInconsistencyException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.DataInconsistency, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.ConnectionLoss"/>.</summary>
public sealed class ConnectionLossException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ConnectionLossException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.ConnectionLoss, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.MarshallingError"/>.</summary>
public sealed class MarshallingErrorException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public MarshallingErrorException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.MarshallingError, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.Unimplemented"/>.</summary>
public sealed class UnimplementedException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public UnimplementedException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.Unimplemented, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.OperationTimeout"/>.</summary>
public sealed class OperationTimeoutException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OperationTimeoutException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.OperationTimeout, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.BadArguments"/>.</summary>
public sealed class BadArgumentsException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public BadArgumentsException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.BadArguments, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.UnknownSession"/>.</summary>
public sealed class UnknownSessionException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public UnknownSessionException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.UnknownSession, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NewConfigNoQuorum"/>.</summary>
public sealed class NewConfigNoQuorumException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NewConfigNoQuorumException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NewConfigNoQuorum, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.ReconfigInProgress"/>.</summary>
public sealed class ReconfigInProgressException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ReconfigInProgressException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.ReconfigInProgress, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.ApiError"/>.</summary>
public sealed class ApiErrorException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ApiErrorException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.ApiError, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NoNode"/>.</summary>
public sealed class NoNodeException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NoNodeException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NoNode, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NoAuth"/>.</summary>
public sealed class NoAuthException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NoAuthException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NoAuth, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.BadVersion"/>.</summary>
public sealed class BadVersionException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public BadVersionException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.BadVersion, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NoChildrenForEphemerals"/>.</summary>
public sealed class NoChildrenForEphemeralsException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NoChildrenForEphemeralsException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NoChildrenForEphemerals, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NodeExists"/>.</summary>
public sealed class NodeExistsException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NodeExistsException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NodeExists, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NotEmpty"/>.</summary>
public sealed class NotEmptyException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NotEmptyException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NotEmpty, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.SessionExpired"/>.</summary>
public sealed class SessionExpiredException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SessionExpiredException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.SessionExpired, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.InvalidCallback"/>.</summary>
public sealed class InvalidCallbackException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public InvalidCallbackException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.InvalidCallback, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.InvalidAcl"/>.</summary>
public sealed class InvalidAclException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public InvalidAclException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.InvalidAcl, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.AuthFailed"/>.</summary>
public sealed class AuthFailedException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public AuthFailedException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.AuthFailed, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.SessionMoved"/>.</summary>
public sealed class SessionMovedException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SessionMovedException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.SessionMoved, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NotReadOnly"/>.</summary>
public sealed class NotReadOnlyException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NotReadOnlyException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NotReadOnly, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.EphemeralOnLocalSession"/>.</summary>
public sealed class EphemeralOnLocalSessionException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public EphemeralOnLocalSessionException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.EphemeralOnLocalSession, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.NoWatcher"/>.</summary>
public sealed class NoWatcherException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NoWatcherException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.NoWatcher, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.RequestTimeout"/>.</summary>
public sealed class RequestTimeoutException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public RequestTimeoutException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.RequestTimeout, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.ReconfigDisabled"/>.</summary>
public sealed class ReconfigDisabledException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ReconfigDisabledException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.ReconfigDisabled, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.SessionClosedRequireSaslAuth"/>.</summary>
public sealed class SessionClosedRequireSaslAuthException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SessionClosedRequireSaslAuthException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.SessionClosedRequireSaslAuth, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.QuotaExceeded"/>.</summary>
public sealed class QuotaExceededException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public QuotaExceededException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.QuotaExceeded, path, message, innerException)
    {
    }
}

/// <summary>The server (or the client, for connection and session outcomes) reported <see cref="ZooKeeperErrorCode.Throttled"/>.</summary>
public sealed class ThrottledException : ZooKeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node the request was about, if any.</param>
    /// <param name="message">The message; a description of the code when null.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ThrottledException(string? path = null, string? message = null, Exception? innerException = null)
        : base(ZooKeeperErrorCode.Throttled, path, message, innerException)
    {
    }
}
