using System.Collections.Concurrent;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Replicated;

public sealed partial class ReplicatedKeyspace
{
    // The leases whose expiry this node has proposed and not yet seen evaluated.
    private readonly ConcurrentDictionary<long, byte> _expiring = new();
    private int _sweeping;

    /// <inheritdoc />
    /// <remarks>The deadline is the evaluating node's clock plus the TTL, written into the log.</remarks>
    public async ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default)
    {
        Leases.ValidateTtl(ttlSeconds);
        Leases.ValidateId(id);
        return await SubmitAsync<LeaseGrant>(new WriteRequest(WriteKind.Grant, number: id, ttlSeconds: ttlSeconds), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A keep-alive is a write: the new deadline goes through the log, in a batch with other writes.</remarks>
    public async ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        await SubmitAsync<LeaseInfo>(new WriteRequest(WriteKind.KeepAlive, number: id), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        await SubmitAsync<long>(new WriteRequest(WriteKind.Revoke, number: id), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>A lease past its deadline but not yet revoked by a sweeper is gone already.</remarks>
    public async ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        return State.Leases.Info(id, _time.GetUtcNow().UtcTicks, includeKeys);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await BarrierAsync(cancellationToken).ConfigureAwait(false);
        return State.Leases.List(_time.GetUtcNow().UtcTicks);
    }

    // The sweeper, on this node's timer: proposes the expiry of every lease past its deadline by this node's clock.
    // Every node sweeps; when two propose the same expiry, one appends it and the other, evaluating again on the
    // state after it, finds the lease gone and does nothing. A node that has not seen a renewal yet proposes an expiry
    // evaluated on a stale state, which the log refuses (another entry took the index), so it never wins over one.
    private void SweepLeases()
    {
        if (Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _fault) is not null || Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var id in State.Leases.Expired(_time.GetUtcNow().UtcTicks))
            {
                if (!_expiring.TryAdd(id, 0))
                {
                    continue;
                }

                var request = new WriteRequest(WriteKind.Expire, number: id);
                if (!_requests.Writer.TryWrite(request))
                {
                    _expiring.TryRemove(id, out _);
                    return;
                }

                request.Completion.ContinueWith(static (task, s) =>
                {
                    var (store, lease) = ((ReplicatedKeyspace, long))s!;
                    store._expiring.TryRemove(lease, out _);
                    if (task.Exception?.GetBaseException() is { } error and not ObjectDisposedException && Volatile.Read(ref store._disposed) == 0)
                    {
                        // The log is failing; the next sweep proposes it again.
                        LogExpiryFailed(store._logger, lease, error);
                    }
                }, (this, id), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiring lease {Lease} failed; the next sweep tries again")]
    private static partial void LogExpiryFailed(ILogger logger, long lease, Exception exception);
}
