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

    /// <summary>
    /// etcd did not take the call's token: it expired or etcd forgot it ("invalid auth token"), users or roles changed
    /// since it was handed out ("revision of auth store is old"), or there was none because authentication was off when
    /// the store connected ("user name is empty"). A new token from Authenticate cures all three (etcd's Go client
    /// renews on the same errors).
    /// </summary>
    public static bool IsTokenRefused(RpcException ex) =>
        ex.StatusCode == StatusCode.Unauthenticated || Has(ex, "invalid auth token") || Has(ex, "revision of auth store is old") || Has(ex, "user name is empty");

    /// <summary>A watch that etcd canceled for want of permission: with a token that is no longer taken, etcd 3.4 says
    /// only "permission denied" (3.5 names the token's fault).</summary>
    public static bool IsWatchRefused(string cancelReason) =>
        cancelReason.Contains("permission denied", StringComparison.Ordinal)
        || cancelReason.Contains("invalid auth token", StringComparison.Ordinal)
        || cancelReason.Contains("revision of auth store is old", StringComparison.Ordinal);

    public static bool IsAuthNotEnabled(RpcException ex) => Has(ex, "authentication is not enabled");

    /// <summary>
    /// Maps an error whose translation needs no further look-up (everything but compacted and future revision, which
    /// need the store's compaction point or current revision).
    /// </summary>
    /// <param name="ex">etcd's error.</param>
    /// <param name="facts">What the request asked for.</param>
    /// <param name="cancellationToken">The caller's token (a cancellation the caller asked for is not an error of etcd).</param>
    /// <param name="prefix">The store's <see cref="EtcdKeyspaceOptions.Prefix"/>, for the permission an etcd user needs.</param>
    public static Exception Map(RpcException ex, in RequestFacts facts, CancellationToken cancellationToken, string prefix = "")
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

        if (Has(ex, "user name is empty"))
        {
            return new InvalidArgumentException(
                "etcd has authentication on and refuses requests without a user: set the etcd user name and password (or a client certificate whose CN is an etcd user).");
        }

        if (EtcdTls.IsTlsFailure(ex, out var tls))
        {
            return new UnavailableException(tls, ex);
        }

        return ex.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange =>
                new InvalidArgumentException($"etcd rejected the request: {ex.Status.Detail}"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated =>
                new InvalidArgumentException(prefix.Length == 0
                    ? $"etcd refused the request ({ex.Status.Detail}); the etcd user needs read and write permission on every key (etcdctl role grant-permission ROLE readwrite --from-key '')."
                    : $"etcd refused the request ({ex.Status.Detail}); the etcd user needs read and write permission on every key under the prefix '{prefix}' (etcdctl role grant-permission ROLE readwrite --prefix '{prefix}')."),
            StatusCode.DeadlineExceeded =>
                new UnavailableException("etcd did not answer within the request timeout; it may be down or overloaded.", ex),
            _ => new UnavailableException($"etcd is unavailable: {ex.Status.Detail}", ex),
        };
    }

    private static bool Has(RpcException ex, string text) => ex.Status.Detail?.Contains(text, StringComparison.Ordinal) == true;
}
