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
}
