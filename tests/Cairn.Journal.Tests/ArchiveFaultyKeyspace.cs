namespace Cairn.Journal.Tests;

/// <summary>Thrown by <see cref="ArchiveFaultyKeyspace"/> where the process would have died.</summary>
public sealed class ArchiveCrashException() : Exception("Simulated crash.");

/// <summary>
/// A store in front of a real one that simulates the death of its user: from operation number
/// <see cref="CrashAt"/> (0-based) on, every operation throws <see cref="ArchiveCrashException"/>. With
/// <see cref="ApplyThenCrash"/> that operation reaches the store first (the process died after the store acted, before it
/// saw the answer). <see cref="BeforeTxn"/> runs before each txn reaches the store (a concurrent writer's move).
/// </summary>
internal sealed class ArchiveFaultyKeyspace(IKeyspace inner) : IKeyspace
{
    private int _operations;

    public int? CrashAt { get; init; }

    public bool ApplyThenCrash { get; init; }

    public Func<TxnRequest, Task>? BeforeTxn { get; set; }

    /// <summary>Operations seen so far.</summary>
    public int Operations => _operations;

    public bool Crashed { get; private set; }

    public async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => inner.RangeAsync(request, cancellationToken));

    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => inner.PutAsync(request, cancellationToken));

    public async ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => inner.DeleteAsync(request, cancellationToken));

    public async ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        if (BeforeTxn is { } hook)
        {
            await hook(request);
        }

        return await Run(() => inner.TxnAsync(request, cancellationToken));
    }

    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => inner.StatusAsync(cancellationToken);

    public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => inner.WatchAsync(request, cancellationToken);

    public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken);

    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) => inner.KeepAliveLeaseAsync(id, cancellationToken);

    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(id, cancellationToken);

    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) => inner.LeaseTimeToLiveAsync(id, includeKeys, cancellationToken);

    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) => inner.ListLeasesAsync(cancellationToken);

    // The real store belongs to the test; this wrapper owns nothing.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<T> Run<T>(Func<ValueTask<T>> operation)
    {
        var number = _operations++;
        if (Crashed)
        {
            throw new ArchiveCrashException();
        }

        if (CrashAt is { } at && number >= at)
        {
            if (ApplyThenCrash)
            {
                await operation();
            }

            Crashed = true;
            throw new ArchiveCrashException();
        }

        return await operation();
    }
}
