using Cairn.Core;

namespace Cairn.Storage;

/// <summary>
/// A store in front of another: every member forwards to <see cref="Inner"/>, and a decorator overrides the ones it
/// changes (<see cref="LimitedKeyspace"/> checks limits; tests put faults and owners in front of real stores).
/// </summary>
/// <param name="inner">The store behind this one.</param>
/// <param name="ownsInner">Whether disposing this one disposes <paramref name="inner"/> (by default it does).</param>
public abstract class DelegatingKeyspace(IKeyspace inner, bool ownsInner = true) : IKeyspace
{
    /// <summary>The store behind this one.</summary>
    public IKeyspace Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public virtual ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        Inner.RangeAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        Inner.PutAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        Inner.DeleteAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) =>
        Inner.TxnAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        Inner.CompactAsync(revision, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        Inner.StatusAsync(cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) =>
        Inner.WatchAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) =>
        Inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Inner.KeepAliveLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Inner.RevokeLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) =>
        Inner.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) =>
        Inner.ListLeasesAsync(cancellationToken);

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        if (ownsInner)
        {
            await Inner.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
