using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Carts;

// Files of carts that are gone: tombstones under gone/<volume>/ (written with a delete, a replacement, a purge, or a
// claim that moved a cart to another volume) are worked off here; a sweep at start removes directories no cart names.
// And the LRU purge that makes room for a file.
public sealed partial class CartNode
{
    private async Task GoneLoopAsync(CancellationToken cancellationToken)
    {
        var prefix = CartKeys.Gone(Volume.Id);
        var retry = new RetryDelay(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        while (true)
        {
            try
            {
                var present = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)), cancellationToken).ConfigureAwait(false);
                foreach (var kv in present.Kvs)
                {
                    await RemoveGoneAsync(kv, cancellationToken).ConfigureAwait(false);
                }

                var request = new WatchRequest(KeyRange.Prefix(prefix)) { StartRevision = present.Revision + 1 };
                await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var change in response.Events.Where(e => e.Type == WatchEventType.Put))
                    {
                        await RemoveGoneAsync(change.Kv, cancellationToken).ConfigureAwait(false);
                    }

                    retry.Reset();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is CairnException or IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                LogWatchFailed(_logger, prefix, e.Message);
                await Task.Delay(retry.Next(), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Removes the directory a tombstone names, then the tombstone (unless it was written again meanwhile).</summary>
    private async Task RemoveGoneAsync(KeyValue tombstone, CancellationToken cancellationToken)
    {
        var cartId = CartKeys.Last(tombstone.Key);
        if (CartKeys.IsId(cartId))
        {
            if (_jobs.TryGetValue(cartId, out var job))
            {
                if (job.ClaimRevision > tombstone.ModRevision)
                {
                    // This node claimed the cart again after the tombstone: its files here are the cart's own.
                    await DeleteTombstoneAsync(tombstone, cancellationToken).ConfigureAwait(false);
                    return;
                }

                job.Stop();
                await job.Completion.ConfigureAwait(false);
            }

            Volume.RemoveCart(cartId);
            LogRemoved(_logger, cartId, Volume.Id);
        }

        await DeleteTombstoneAsync(tombstone, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteTombstoneAsync(KeyValue tombstone, CancellationToken cancellationToken) =>
        await _store.TxnAsync(new TxnRequest(
            [Compare.ModRevision(tombstone.Key, CompareResult.Equal, tombstone.ModRevision)],
            [new DeleteRequest(KeyRange.Single(tombstone.Key))], []), cancellationToken).ConfigureAwait(false);

    /// <summary>Removes cart directories that no cart kept on this volume names (left by a crash between a deletion and
    /// the removal of its files, or by a cart moved to another node).</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (_, record) in _carts.AllCartsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (record.Volume == Volume.Id)
            {
                kept.Add(record.CartId);
            }
        }

        foreach (var cartId in Volume.CartIds().ToList())
        {
            if (!kept.Contains(cartId))
            {
                Volume.RemoveCart(cartId);
                LogRemoved(_logger, cartId, Volume.Id);
            }
        }

        foreach (var stray in Directory.EnumerateFiles(Volume.Directory, CartVolume.IdFile + ".*.tmp"))
        {
            File.Delete(stray);
        }
    }

    /// <summary>
    /// Makes room by deleting one settled cart of this volume — least recently used first, not in use, not used within
    /// <see cref="CartOptions.LruBufferTime"/> — and its files. Each deletion is a compare-and-delete, so a download that
    /// touched the cart meanwhile keeps it. False when there is nothing to purge.
    /// </summary>
    internal async Task<bool> PurgeOneAsync(string exceptCartId, CancellationToken cancellationToken)
    {
        await _purgeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var candidates = new List<(KeyValue Kv, CartRecord Record)>();
            await foreach (var (kv, record) in _carts.AllCartsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (record.Volume == Volume.Id && CartStates.IsSettled(record.State) && record.CartId != exceptCartId
                    && now - record.LastUsed >= _options.LruBufferTime && !_jobs.ContainsKey(record.CartId))
                {
                    candidates.Add((kv, record));
                }
            }

            foreach (var (kv, record) in candidates.OrderBy(c => c.Record.LastUsed))
            {
                if (_inUse.ContainsKey(record.CartId))
                {
                    continue;
                }

                if (await _carts.TryDeleteAsync(record, kv.ModRevision, cancellationToken).ConfigureAwait(false))
                {
                    Volume.RemoveCart(record.CartId);
                    await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(CartKeys.Gone(Volume.Id, record.CartId))), cancellationToken).ConfigureAwait(false);
                    LogPurged(_logger, record.Uid, record.CartId, record.LastUsed);
                    return true;
                }
            }

            return false;
        }
        finally
        {
            _purgeGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the files of cart {CartId} from volume {Volume}")]
    private static partial void LogRemoved(ILogger logger, string cartId, string volume);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged cart {Uid} ({CartId}, last used {LastUsed}) to make room")]
    private static partial void LogPurged(ILogger logger, string uid, string cartId, DateTimeOffset lastUsed);
}
