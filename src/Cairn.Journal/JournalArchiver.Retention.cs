using Cairn.Core;

namespace Cairn.Journal;

public sealed partial class JournalArchiver
{
    /// <summary>
    /// Removes segments older than the retention age, oldest first, each with the archive pointers of its requests in
    /// one txn; a segment not yet exported is kept (when export is on). Stops at the first segment that must stay:
    /// segments are numbered in fold order, so the ones after it are younger or not exported either.
    /// </summary>
    /// <remarks>The large messages a segment points to are removed just before it, so that nothing is left that no key
    /// points to whatever is killed when: a removal cut short is done again by the next pass (removing a content twice
    /// is harmless). Meanwhile a read of such a request finds a content gone, and answers it as removed, which it is
    /// about to be.</remarks>
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

            var segment = JournalHistory.DecodeSegment(kv.Value);
            if (segment.Folded >= cutoff)
            {
                return removed;
            }

            var contents = LargeMessages.NamesOf(segment.Requests.SelectMany(r => r.Steps)).ToList();
            if (contents.Count > 0)
            {
                if (_journal.LargeMessageStore is not { } large)
                {
                    // Removing the segment would leave its contents behind for good: it waits for a node with Volumes.
                    LogKeptForLargeMessages(_logger, segment.Number, contents.Count);
                    return removed;
                }

                foreach (var name in contents)
                {
                    await large.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                }
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
