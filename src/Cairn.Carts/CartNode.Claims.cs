using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Carts;

// The claim loop: carts queued under pending/ and not claimed (new ones, and those whose claimant's lease expired) are
// taken oldest first, one transaction each, while this node stages fewer than MaxActiveCarts. Watches of pending/ and
// claims/ wake it; a slow timer covers a watch that broke.
public sealed partial class CartNode
{
    private async Task ClaimLoopAsync(CartLease lease, CancellationToken cancellationToken)
    {
        var revision = (await RetryStoreAsync(ct => _store.StatusAsync(ct).AsTask(), cancellationToken).ConfigureAwait(false)).Revision;
        var watches = Task.WhenAll(
            WakeOnChangesAsync(CartKeys.PendingPrefix, revision + 1, false, cancellationToken),
            WakeOnChangesAsync(CartKeys.ClaimsPrefix, revision + 1, true, cancellationToken));
        try
        {
            var retry = new RetryDelay(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
            var fallback = _options.ClaimTtl < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : _options.ClaimTtl;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await ClaimWhatFitsAsync(lease, cancellationToken).ConfigureAwait(false);
                    retry.Reset();
                }
                catch (CairnException e) when (e.IsTransient || e is CompactedException)
                {
                    LogClaimFailed(_logger, e.Message);
                    await Task.Delay(retry.Next(), _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using var timeout = new CancellationTokenSource(fallback, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await _wake.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The periodic scan.
                }
            }
        }
        finally
        {
            try
            {
                await watches.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Wakes the claim loop on every change under <paramref name="prefix"/>; for claims, a deleted claim of a cart
    /// this node stages (the cart was deleted, or the claim expired) stops that job.</summary>
    private async Task WakeOnChangesAsync(string prefix, long from, bool claims, CancellationToken cancellationToken)
    {
        var retry = new RetryDelay(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        while (true)
        {
            try
            {
                var request = new WatchRequest(KeyRange.Prefix(prefix)) { StartRevision = from };
                await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    from = response.Revision + 1;
                    if (response.IsProgressNotify)
                    {
                        continue;
                    }

                    retry.Reset();
                    if (claims)
                    {
                        foreach (var change in response.Events.Where(e => e.Type == WatchEventType.Delete))
                        {
                            if (_jobs.TryGetValue(CartKeys.Last(change.Kv.Key), out var job) && !job.Settling)
                            {
                                job.Stop();
                            }
                        }
                    }

                    Wake();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is CairnException or OperationCanceledException)
            {
                // Compacted or unreachable: watch again from now and scan, so nothing in between is missed.
                LogWatchFailed(_logger, prefix, e.Message);
                await Task.Delay(retry.Next(), _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    from = (await _store.StatusAsync(cancellationToken).ConfigureAwait(false)).Revision + 1;
                }
                catch (CairnException)
                {
                }

                Wake();
            }
        }
    }

    private async Task ClaimWhatFitsAsync(CartLease lease, CancellationToken cancellationToken)
    {
        if (_jobs.Count >= _options.MaxActiveCarts)
        {
            return;
        }

        var snapshot = await _store.TxnAsync(new TxnRequest([],
        [
            new RangeRequest(KeyRange.Prefix(CartKeys.PendingPrefix)),
            new RangeRequest(KeyRange.Prefix(CartKeys.ClaimsPrefix)) { KeysOnly = true },
        ], []), cancellationToken).ConfigureAwait(false);
        var pending = ((RangeResult)snapshot.Results[0]).Kvs;
        var claimed = ((RangeResult)snapshot.Results[1]).Kvs.Select(kv => CartKeys.Last(kv.Key)).ToHashSet(StringComparer.Ordinal);
        foreach (var queued in pending.OrderBy(kv => kv.CreateRevision))
        {
            if (_jobs.Count >= _options.MaxActiveCarts)
            {
                return;
            }

            var cartId = CartKeys.Last(queued.Key);
            if (!claimed.Contains(cartId) && !_jobs.ContainsKey(cartId) && CartKeys.IsId(cartId))
            {
                await TryClaimAsync(lease, queued, cartId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task TryClaimAsync(CartLease lease, KeyValue queued, string cartId, CancellationToken cancellationToken)
    {
        var uid = CartJson.Text(queued);
        var found = await _carts.ReadCartAsync(uid, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.Record.CartId != cartId || CartStates.IsSettled(f.Record.State))
        {
            return; // replaced or settled since it was queued (the same transaction removed the entry: a stale read)
        }

        var record = f.Record.Copy();
        var previousVolume = record.Volume;
        var now = _time.GetUtcNow();
        record.State = CartStates.Staging;
        record.Message = "";
        record.Node = _nodeId;
        record.Volume = Volume.Id;
        record.StagingStarted = now;
        record.Updated = now;
        record.Changed = [];
        var ops = new List<KvRequest>
        {
            new PutRequest(CartKeys.Claim(cartId), CartJson.Encode(new CartClaimRecord { Node = _nodeId, Volume = Volume.Id })) { Lease = lease.Id },
            new PutRequest(CartKeys.Cart(uid), CartJson.Encode(record)),
        };
        if (previousVolume is not null && previousVolume != Volume.Id)
        {
            // Files staged on the volume of a claimant that died are fetched again here; that volume drops its copies.
            ops.Add(new PutRequest(CartKeys.Gone(previousVolume, cartId), CartJson.Utf8(uid)));
        }

        var result = await _store.TxnAsync(new TxnRequest(
        [
            Compare.CreateRevision(CartKeys.Claim(cartId), CompareResult.Equal, 0),
            Compare.ModRevision(CartKeys.Cart(uid), CompareResult.Equal, f.Kv.ModRevision),
            Compare.ModRevision(queued.Key, CompareResult.Equal, queued.ModRevision),
        ], ops, []), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return;
        }

        LogClaimed(_logger, uid, cartId, _nodeId);
        var job = new CartJob(this, record, result.Revision, previousVolume == Volume.Id, cancellationToken);
        _jobs[cartId] = job;
        job.Start();
    }

    private async Task<T> RetryStoreAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var retry = new RetryDelay(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        while (true)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (CairnException e) when (e.IsTransient)
            {
                await Task.Delay(retry.Next(), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {Uid} ({CartId}) claimed by node {Node}")]
    private static partial void LogClaimed(ILogger logger, string uid, string cartId, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot claim carts now: {Reason}; retrying")]
    private static partial void LogClaimFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of {Prefix} broke: {Reason}; watching again")]
    private static partial void LogWatchFailed(ILogger logger, string prefix, string reason);
}
