using Microsoft.Extensions.Logging;

namespace Cairn.ZooKeeper;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ZooKeeper: session 0x{SessionId:x} {How} on {Server}, timeout {TimeoutMs} ms")]
    private static partial void Connected(ILogger logger, long sessionId, string how, string server, int timeoutMs);

    public static void Connected(ILogger logger, string server, long sessionId, int timeoutMs, bool resumed) =>
        Connected(logger, sessionId, resumed ? "resumed" : "started", server, timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ZooKeeper: connection to {Server} lost (session 0x{SessionId:x}): {Reason}; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string server, long sessionId, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ZooKeeper: could not connect to {Server}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string server, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ZooKeeper: session 0x{SessionId:x} expired: {Why}")]
    public static partial void SessionExpired(ILogger logger, long sessionId, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "ZooKeeper: {Server} refused the credentials (scheme {Scheme})")]
    public static partial void AuthFailed(ILogger logger, string server, string? scheme);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ZooKeeper: credentials of scheme {Scheme} accepted")]
    public static partial void AuthAccepted(ILogger logger, string scheme);

    [LoggerMessage(Level = LogLevel.Error, Message = "ZooKeeper: a reply of {Length} bytes from {Server} is over the limit of {Max} bytes (MaxReplyBytes); its request fails")]
    public static partial void ReplyTooLarge(ILogger logger, string server, int length, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ZooKeeper: ignoring a notification of type {Type} for {Path} from {Server}")]
    public static partial void UnexpectedNotification(ILogger logger, string server, int type, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "ZooKeeper: setting the watches again failed with {Code}; some watches may not fire")]
    public static partial void SetWatchesFailed(ILogger logger, ZooKeeperErrorCode code);

    [LoggerMessage(Level = LogLevel.Error, Message = "ZooKeeper: a Watched handler threw on {Kind} {Path}")]
    public static partial void HandlerFailed(ILogger logger, WatchEventKind kind, string? path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "ZooKeeper: closing session 0x{SessionId:x} was not confirmed: {Reason}")]
    public static partial void CloseSessionFailed(ILogger logger, long sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "ZooKeeper: the connection loop failed")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
