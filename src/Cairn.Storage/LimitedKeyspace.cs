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
        return Limits.MaxWatches > 0 ? CountedWatchAsync(request, cancellationToken) : Inner.WatchAsync(request, cancellationToken);
    }

    private int _watches;

    /// <summary>Watches open now (counted only under a <see cref="KeyspaceLimits.MaxWatches"/> limit).</summary>
    public int OpenWatches => Volatile.Read(ref _watches);

    // A watch past the limit fails at once with 503 (retry later), before anything is asked of the store.
    private async IAsyncEnumerable<WatchResponse> CountedWatchAsync(WatchRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _watches) > Limits.MaxWatches)
        {
            Interlocked.Decrement(ref _watches);
            throw new UnavailableException($"Too many watches are open ({Limits.MaxWatches}, Limits:MaxWatches); retry later.");
        }

        try
        {
            await foreach (var response in Inner.WatchAsync(request, cancellationToken).ConfigureAwait(false))
            {
                yield return response;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _watches);
        }
    }
}
