using Cairn.Core;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// The one map from Cairn's errors to the gRPC status and message etcd gives for the same failure, so that an etcd
/// client recognises them (clientv3 and etcdctl match the message text: <c>rpctypes.ErrCompacted</c>, …). An error with
/// no etcd counterpart keeps Cairn's own message under the nearest gRPC code.
/// </summary>
internal static class EtcdErrors
{
    /// <summary>etcd's text for a read or watch below the compaction point.</summary>
    public const string Compacted = "etcdserver: mvcc: required revision has been compacted";

    /// <summary>etcd's text for a read above the current revision.</summary>
    public const string FutureRevision = "etcdserver: mvcc: required revision is a future revision";

    /// <summary>etcd's text for an unknown lease.</summary>
    public const string LeaseNotFound = "etcdserver: requested lease not found";

    /// <summary>etcd's text for a request without a key.</summary>
    public const string EmptyKey = "etcdserver: key is not provided";

    /// <summary>etcd's text for a txn branch that writes one key twice.</summary>
    public const string DuplicateKey = "etcdserver: duplicate key given in txn request";

    /// <summary>etcd's text for a txn with more operations than the limit.</summary>
    public const string TooManyOps = "etcdserver: too many operations in txn request";

    /// <summary>etcd's text for a request over the size limit.</summary>
    public const string RequestTooLarge = "etcdserver: request is too large";

    /// <summary>etcd's text for an operation the caller's roles do not grant.</summary>
    public const string PermissionDenied = "etcdserver: permission denied";

    /// <summary>etcd's text for a wrong user name or password.</summary>
    public const string AuthFailed = "etcdserver: user name or password is invalid";

    /// <summary>etcd's text for a token it does not accept.</summary>
    public const string InvalidToken = "etcdserver: invalid auth token";

    /// <summary>etcd's text for a write refused by the space alarm.</summary>
    public const string NoSpace = "etcdserver: mvcc: database space exceeded";

    /// <summary>etcd's text for a put with <c>ignore_value</c> or <c>ignore_lease</c> of a key that does not exist.</summary>
    public const string KeyNotFound = "etcdserver: key not found";

    /// <summary>etcd's text for a put with <c>ignore_value</c> that gives a value.</summary>
    public const string ValueProvided = "etcdserver: value is provided";

    /// <summary>etcd's text for a put with <c>ignore_lease</c> that gives a lease.</summary>
    public const string LeaseProvided = "etcdserver: lease is provided";

    /// <summary>etcd's text for a lease id already in use.</summary>
    public const string LeaseExists = "etcdserver: lease already exists";

    /// <summary>An error with status <paramref name="code"/> and etcd's text <paramref name="message"/>.</summary>
    public static RpcException Status(StatusCode code, string message) => new(new Grpc.Core.Status(code, message));

    /// <summary>The gRPC error etcd would answer for <paramref name="error"/>.</summary>
    public static RpcException From(CairnException error) => error switch
    {
        CompactedException => Status(StatusCode.OutOfRange, Compacted),
        FutureRevisionException => Status(StatusCode.OutOfRange, FutureRevision),
        LeaseNotFoundException => Status(StatusCode.NotFound, LeaseNotFound),
        LimitExceededException { What: "txn" } => Status(StatusCode.InvalidArgument, TooManyOps),
        LimitExceededException { What: "watches" } => Status(StatusCode.ResourceExhausted, error.Message),
        LimitExceededException => Status(StatusCode.InvalidArgument, RequestTooLarge),
        PermissionDeniedException => Status(StatusCode.PermissionDenied, PermissionDenied),
        UnauthenticatedException => Status(StatusCode.Unauthenticated, InvalidToken),
        InsufficientStorageException => Status(StatusCode.ResourceExhausted, NoSpace),
        TooManyRequestsException => Status(StatusCode.ResourceExhausted, "etcdserver: too many requests"),
        UnavailableException => Status(StatusCode.Unavailable, error.Message),
        InvalidArgumentException => Status(StatusCode.InvalidArgument, error.Message),
        NotFoundException or NoSuchKeyException => Status(StatusCode.NotFound, error.Message),
        ConflictException or PreconditionFailedException => Status(StatusCode.FailedPrecondition, error.Message),
        CorruptException => Status(StatusCode.DataLoss, error.Message),
        _ => Status(error.IsTransient ? StatusCode.Unavailable : StatusCode.Unknown, error.Message),
    };

    /// <summary>True for a gRPC call (<c>application/grpc</c>, <c>application/grpc+proto</c>, …).</summary>
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Answers a gRPC call that failed before its handler ran (authentication, the rate limit, the
    /// permission on its endpoint) as gRPC answers it: a trailers-only response with etcd's status and text, so that
    /// etcd's clients see <c>etcdserver: invalid auth token</c> (and log in again) rather than an HTTP status.</summary>
    public static Task WriteTrailersOnlyAsync(HttpContext context, CairnException error)
    {
        var status = From(error).Status;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(status.Detail);
        return Task.CompletedTask;
    }

    /// <summary>An etcd RPC Cairn does not implement, and what to use instead.</summary>
    public static RpcException Unimplemented(string rpc, string instead) =>
        Status(StatusCode.Unimplemented, $"Cairn does not implement etcd's {rpc}; {instead}");
}
