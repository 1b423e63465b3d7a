using Cairn.Core;

namespace Cairn.Journal;

public sealed partial class JournalArchiver
{
    /// <summary>
    /// Removes segments older than the retention age, oldest first, each with the archive pointers of its requests in
    /// one txn; a segment not yet exported is kept (when export is on). Stops at the first segment that must stay:
    /// segments are numbered in fold order, so the ones after it are younger or not exported either.
    /// </summary>
    private async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var exportCursor = long.MaxValue;
        if (Options.ExportDirectory is { Length: > 0 })
        {
            (exportCursor, _) = await ReadCounterAsync(JournalKeys.ExportCursor, cancellationToken).ConfigureAwait(false);
        }

        var cutoff = Options.Time.GetUtcNow() - Options.Retention;
        var removed = 0;
        while (true)
        {
            var oldest = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Segments)) { Limit = 1 }, cancellationToken).ConfigureAwait(false);
            if (oldest.Kvs.Count == 0)
            {
                return removed;
            }

            var kv = oldest.Kvs[0];
            if (JournalHistory.SegmentNumber(kv.Key) >= exportCursor)
            {
                return removed;
            }

            var segment = JournalHistory.DecodeSegment(kv.Value.Span);
            if (segment.Folded >= cutoff)
            {
                return removed;
            }

            var ops = new List<KvRequest> { new DeleteRequest(KeyRange.Single(kv.Key)) };
            ops.AddRange(segment.Requests.Select(r => new DeleteRequest(KeyRange.Single(JournalKeys.Archived(r.Txid)))));
            var txn = await Store.TxnAsync(
                new TxnRequest([Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision)], ops, []),
                cancellationToken).ConfigureAwait(false);
            if (!txn.Succeeded)
            {
                // Another archiver removed it first.
                continue;
            }

            removed++;
        }
    }
}
