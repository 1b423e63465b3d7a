using Cairn.Core;

namespace Cairn.Storage;

/// <summary>
/// Enforces <see cref="KeyspaceLimits"/> around any backend, so that every module and every API meets the same limits on
/// SQLite, etcd and ZooKeeper: a request over a limit is refused with <see cref="LimitExceededException"/> before it
/// reaches the store, whatever the backend itself would allow. The server wraps its store in one.
/// </summary>
/// <remarks>Concurrency: as safe as the store it wraps; it holds no state of its own. Disposing it disposes the store.</remarks>
public sealed class LimitedKeyspace : IKeyspace
{
    private readonly IKeyspace _inner;

    /// <summary>Wraps <paramref name="inner"/>, which this instance then owns.</summary>
    public LimitedKeyspace(IKeyspace inner, KeyspaceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(limits);
        _inner = inner;
        Limits = limits;
    }

    /// <summary>The limits enforced.</summary>
    public KeyspaceLimits Limits { get; }

    /// <summary>The store behind the limits.</summary>
    public IKeyspace Inner => _inner;

    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return _inner.RangeAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return _inner.PutAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return _inner.DeleteAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return _inner.TxnAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        _inner.CompactAsync(revision, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        _inner.StatusAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.CheckKey(request.Range.Key);
        return _inner.WatchAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) =>
        _inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        _inner.KeepAliveLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        _inner.RevokeLeaseAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) =>
        _inner.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) =>
        _inner.ListLeasesAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
