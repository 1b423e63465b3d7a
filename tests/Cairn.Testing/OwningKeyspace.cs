using Cairn.Core;

namespace Cairn.Testing;

/// <summary>
/// A store that owns what it runs on (a server started for it alone): every call goes to <paramref name="inner"/>, and
/// disposing it disposes <paramref name="inner"/>, then releases the owner.
/// </summary>
/// <param name="inner">The store.</param>
/// <param name="release">Stops and removes what was started for the store.</param>
public sealed class OwningKeyspace(IKeyspace inner, Func<Task> release) : IKeyspace
{
    private int _disposed;

    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => inner.RangeAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) => inner.PutAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) => inner.DeleteAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) => inner.TxnAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => inner.StatusAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => inner.WatchAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) => inner.KeepAliveLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) => inner.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) => inner.ListLeasesAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            await release();
        }
    }
}
