using Cairn.Core;

namespace Cairn.Storage.Space;

/// <summary>
/// Refuses writes that add data while the <see cref="SpaceAlarm"/> is raised, as etcd does under its NOSPACE alarm:
/// puts, transactions with a put, and lease grants get <see cref="InsufficientStorageException"/> (507); reads,
/// deletes, transactions that only delete or read, compaction, lease renewals and revokes go through, so space can be
/// freed through the API. A no-space error from the store itself raises the alarm too.
/// </summary>
/// <remarks>Concurrency: as safe as the store it wraps. A write already past the check when the alarm is raised
/// completes (or fails with the store's own no-space error); etcd behaves the same.</remarks>
/// <param name="inner">The store, which this instance then owns.</param>
/// <param name="alarm">The alarm read on every write.</param>
/// <param name="time">The clock for the alarm's time.</param>
/// <param name="freed">Called after a delete, a compaction or a revoke succeeded while the alarm was raised, so that the
/// monitor looks again at once rather than on its next round.</param>
/// <param name="adding">Called before each write that adds data with the bytes of keys and values it writes, so that a
/// monitor can take a quick look when they may have used up the room it last saw (the disk fills faster than a periodic
/// look sees).</param>
/// <param name="release">Called when a delete, a compaction or a revoke failed for want of space: gives back reserved
/// room (<see cref="SpaceReserve"/>) and says whether it did, in which case the write is tried once more (the failed one
/// made no change).</param>
public sealed class SpaceGuardedKeyspace(
    IKeyspace inner,
    SpaceAlarm alarm,
    TimeProvider time,
    Action? freed = null,
    Action<long>? adding = null,
    Func<CancellationToken, ValueTask<bool>>? release = null)
    : DelegatingKeyspace(inner)
{
    /// <summary>The alarm this store obeys.</summary>
    public SpaceAlarm Alarm { get; } = alarm ?? throw new ArgumentNullException(nameof(alarm));

    /// <inheritdoc />
    public override ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        AddingAsync(Size(request), () => Inner.PutAsync(request, cancellationToken));

    /// <inheritdoc />
    public override ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Success.Any(op => op is PutRequest) || request.Failure.Any(op => op is PutRequest)
            ? AddingAsync(request.Success.Concat(request.Failure).OfType<PutRequest>().Sum(Size), () => Inner.TxnAsync(request, cancellationToken))
            : FreeingAsync(() => Inner.TxnAsync(request, cancellationToken));
    }

    /// <inheritdoc />
    public override ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) =>
        AddingAsync(0, () => Inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken));

    /// <inheritdoc />
    public override ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        FreeingAsync(() => Inner.DeleteAsync(request, cancellationToken));

    /// <inheritdoc />
    public override ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        FreeingAsync(() => Inner.CompactAsync(revision, cancellationToken));

    /// <inheritdoc />
    public override ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        FreeingAsync(() => Inner.RevokeLeaseAsync(id, cancellationToken));

    private static long Size(PutRequest put) => put.Key.Length + (long)put.Value.Length;

    private async ValueTask<T> AddingAsync<T>(long bytes, Func<ValueTask<T>> write)
    {
        adding?.Invoke(bytes);
        if (Alarm.Reason is { } reason)
        {
            throw new InsufficientStorageException(
                $"Not accepting writes that add data: {reason}. Deletes, lease revokes and compaction still work and free space.");
        }

        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (InsufficientStorageException ex)
        {
            Alarm.Raise(ex.Message, time.GetUtcNow());
            throw;
        }
    }

    private async ValueTask<T> FreeingAsync<T>(Func<ValueTask<T>> write)
    {
        try
        {
            try
            {
                return await write().ConfigureAwait(false);
            }
            catch (InsufficientStorageException) when (release is not null)
            {
                // The disk is full to the last byte: the reserve is given back, and the write gets one more try in it.
                if (!await release(CancellationToken.None).ConfigureAwait(false))
                {
                    throw;
                }
            }

            return await write().ConfigureAwait(false);
        }
        catch (InsufficientStorageException ex)
        {
            Alarm.Raise(ex.Message, time.GetUtcNow());
            throw;
        }
        finally
        {
            if (Alarm.IsRaised)
            {
                freed?.Invoke();
            }
        }
    }
}
