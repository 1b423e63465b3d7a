namespace Cairn.Core;

/// <summary>
/// The keyspace contract, modelled on etcd v3. Every module is written against it and every backend implements it.
/// </summary>
/// <remarks>
/// <para>Concurrency: all members are safe to call concurrently. Writes are linearizable: each write request (a put,
/// a delete that deletes something, a txn whose chosen branch writes) gets the next store revision, in one total
/// order, and is acknowledged only once it is durable. A read returns a consistent snapshot at the revision it
/// reports and never sees a write that has not been acknowledged or is about to be rolled back.</para>
/// <para>Revisions start at 1 for an empty store. Reads at a past revision work down to the compaction point.</para>
/// <para>Errors a caller can cause are <see cref="CairnException"/>s: <see cref="InvalidArgumentException"/>,
/// <see cref="CompactedException"/>, <see cref="FutureRevisionException"/>, <see cref="LimitExceededException"/>;
/// <see cref="UnavailableException"/> is transient.</para>
/// <para>Watches: <see cref="WatchAsync"/> delivers every change in a range from a start revision, in revision order,
/// none missing, none repeated, the events of one revision together. A consumer that reads slowly never slows writers
/// or other watchers: it falls behind and catches up from history; only if history it still needs is compacted away
/// does the watch end, with <see cref="CompactedException"/>.</para>
/// <para>Leases: a lease lives for its TTL by the store's clock, renewed by each keep-alive. Keys put with a lease are
/// deleted, all in one revision, when it expires or is revoked; watchers see those deletes.</para>
/// </remarks>
public interface IKeyspace : IAsyncDisposable
{
    /// <summary>Reads keys.</summary>
    ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default);

    /// <summary>Writes one key.</summary>
    ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key or a range.</summary>
    ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs a conditional, atomic transaction.</summary>
    ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default);

    /// <summary>Discards history below <paramref name="revision"/>. Fails with <see cref="CompactedException"/> if
    /// already compacted past it, <see cref="FutureRevisionException"/> if it is above the current revision.</summary>
    ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default);

    /// <summary>Reports revision, size and key count.</summary>
    ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the changes to the keys in a range, from <see cref="WatchRequest.StartRevision"/> on, until
    /// <paramref name="cancellationToken"/> fires. Fails with <see cref="CompactedException"/> when the start revision
    /// (or, for a watcher that fell behind, its position) is below the compaction point.
    /// </summary>
    IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> (1 s to 10 years); <paramref name="id"/> 0 lets the store
    /// choose the id. A lease id already in use is an <see cref="InvalidArgumentException"/>.</summary>
    ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default);

    /// <summary>Renews a lease to its full TTL; <see cref="LeaseNotFoundException"/> if it has expired or never existed.</summary>
    ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Revokes a lease, deleting its keys in one revision, which it returns (the unchanged store revision if
    /// the lease had no keys); <see cref="LeaseNotFoundException"/> if there is no such lease.</summary>
    ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>A lease's TTL, remaining time and (when asked) keys; null when there is no such lease.</summary>
    ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default);

    /// <summary>Every live lease (without keys).</summary>
    ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default);
}
