using Cairn.Core;
using Grpc.Core;

namespace Cairn.Storage.Etcd;

/// <summary>
/// The single map from etcd's gRPC errors to Cairn's exceptions. etcd reports errors as a status code plus a fixed
/// message (<c>etcdserver: …</c>, see etcd's <c>api/v3rpc/rpctypes</c>); the message is what tells them apart.
/// </summary>
internal static class EtcdErrors
{
    /// <summary>etcd's default <c>--max-request-bytes</c>.</summary>
    public const long MaxRequestBytes = 1536 * 1024;

    /// <summary>etcd's default <c>--max-txn-ops</c>.</summary>
    public const int MaxTxnOps = 128;

    public static bool IsCompacted(RpcException ex) => Has(ex, "required revision has been compacted");

    public static bool IsFutureRevision(RpcException ex) => Has(ex, "required revision is a future revision");

    /// <summary>etcd's space quota is exceeded (its NOSPACE alarm is raised): only deletes, compaction and
    /// defragmentation are accepted until the alarm is disarmed.</summary>
    public static bool IsNoSpace(RpcException ex) => Has(ex, "database space exceeded");

    public static bool IsLeaseNotFound(RpcException ex) => Has(ex, "requested lease not found");

    public static bool IsLeaseExists(RpcException ex) => Has(ex, "lease already exists");

    public static bool IsInvalidAuthToken(RpcException ex) =>
        ex.StatusCode == StatusCode.Unauthenticated || Has(ex, "invalid auth token");

    public static bool IsAuthNotEnabled(RpcException ex) => Has(ex, "authentication is not enabled");

    /// <summary>
    /// Maps an error whose translation needs no further look-up (everything but compacted and future revision, which
    /// need the store's compaction point or current revision).
    /// </summary>
    public static Exception Map(RpcException ex, in RequestFacts facts, CancellationToken cancellationToken)
    {
        if (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The request was cancelled.", ex, cancellationToken);
        }

        if (IsLeaseNotFound(ex))
        {
            return new LeaseNotFoundException(facts.Lease);
        }

        if (Has(ex, "too many operations in txn request"))
        {
            return new LimitExceededException("txn", facts.Ops, MaxTxnOps);
        }

        if (IsNoSpace(ex))
        {
            return new InsufficientStorageException(
                "etcd is out of space (mvcc: database space exceeded); delete keys and compact, defragment etcd and disarm its "
                + "NOSPACE alarm (etcdctl defrag; etcdctl alarm disarm), or raise its --quota-backend-bytes.");
        }

        if (Has(ex, "request is too large") || ex.StatusCode == StatusCode.ResourceExhausted)
        {
            return new LimitExceededException("request", facts.Size, MaxRequestBytes);
        }

        return ex.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange =>
                new InvalidArgumentException($"etcd rejected the request: {ex.Status.Detail}"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated =>
                new InvalidArgumentException($"etcd refused the request ({ex.Status.Detail}); check the user's roles and password."),
            StatusCode.DeadlineExceeded =>
                new UnavailableException("etcd did not answer within the request timeout; it may be down or overloaded.", ex),
            _ => new UnavailableException($"etcd is unavailable: {ex.Status.Detail}", ex),
        };
    }

    private static bool Has(RpcException ex, string text) => ex.Status.Detail?.Contains(text, StringComparison.Ordinal) == true;
}
