using Cairn.Core;

namespace Cairn.Storage;

/// <summary>
/// Enforces <see cref="KeyspaceLimits"/> around any backend, so that every module and every API meets the same limits on
/// SQLite, etcd and ZooKeeper: a request over a limit is refused with <see cref="LimitExceededException"/> before it
/// reaches the store, whatever the backend itself would allow. The server wraps its store in one.
/// </summary>
/// <remarks>Concurrency: as safe as the store it wraps; it holds no state of its own. Disposing it disposes the store.</remarks>
/// <param name="inner">The store, which this instance then owns.</param>
/// <param name="limits">The limits enforced.</param>
public sealed class LimitedKeyspace(IKeyspace inner, KeyspaceLimits limits) : DelegatingKeyspace(inner)
{
    private int _watches;

    /// <summary>The limits enforced.</summary>
    public KeyspaceLimits Limits { get; } = limits ?? throw new ArgumentNullException(nameof(limits));

    /// <inheritdoc />
    public override ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return Inner.RangeAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return Inner.PutAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return Inner.DeleteAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.Check(request);
        return Inner.TxnAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Limits.CheckKey(request.Range.Key);
        if (Limits.MaxWatches <= 0)
        {
            return Inner.WatchAsync(request, cancellationToken);
        }

        // Counted when asked for, not when first enumerated: an event stream refuses a watch past the limit with a 503
        // before it sends its headers. Released when its enumerator is disposed.
        if (Interlocked.Increment(ref _watches) > Limits.MaxWatches)
        {
            Interlocked.Decrement(ref _watches);
            throw new UnavailableException($"Too many watches are open ({Limits.MaxWatches}, Limits:MaxWatches); retry later.");
        }

        return new CountedWatch(Inner.WatchAsync(request, cancellationToken), () => Interlocked.Decrement(ref _watches));
    }
}
