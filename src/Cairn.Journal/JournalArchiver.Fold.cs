using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Journal;

public sealed partial class JournalArchiver
{
    // Folds every finished request whose last step is older than FoldAge; returns how many were folded.
    private async Task<int> FoldAsync(CancellationToken cancellationToken)
    {
        var cutoff = Options.Time.GetUtcNow() - Options.FoldAge;
        var candidates = await FindFoldableAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var perSegment = Math.Clamp(Options.SegmentMaxRequests, 1, MaxRequestsPerSegment);
        var folded = 0;
        var next = 0;
        while (next < candidates.Count)
        {
            var batch = candidates.GetRange(next, Math.Min(perSegment, candidates.Count - next));
            var (count, consumed) = await FoldBatchAsync(batch, cutoff, cancellationToken).ConfigureAwait(false);
            folded += count;
            next += consumed;
        }

        return folded;
    }

    // The ids of finished requests last changed before `cutoff`, from a scan of the summaries, in txid order.
    private async Task<List<string>> FindFoldableAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        var start = JournalKeys.Requests;
        var end = Keys.PrefixEnd(JournalKeys.Requests)!;
        while (true)
        {
            var batch = await Store.RangeAsync(new RangeRequest(KeyRange.Between(start, end)) { Limit = 512 }, cancellationToken).ConfigureAwait(false);
            foreach (var kv in batch.Kvs)
            {
                var summary = JournalCodec.DecodeSummary(kv.Key[JournalKeys.Requests.Length..], kv.Value.Span, kv.ModRevision);
                if (IsFoldable(summary, cutoff))
                {
                    found.Add(summary.Txid);
                }
            }

            if (!batch.More || batch.Kvs.Count == 0)
            {
                return found;
            }

            start = batch.Kvs[^1].Key + "\0";
        }
    }

    // Only finished requests: an in-progress (or unknown) request may still get steps, however old it is.
    private static bool IsFoldable(JournalSummary summary, DateTimeOffset cutoff) =>
        summary.State.IsFinished() && summary.Last < cutoff;

    /// <summary>
    /// Folds the foldable requests of <paramref name="batch"/> into one new segment, in one txn. Returns how many were
    /// folded and how many ids of the batch are dealt with (folded, no longer foldable, or too large); the rest, cut off
    /// to keep the txn small enough, go into the next batch.
    /// </summary>
    private async Task<(int Folded, int Consumed)> FoldBatchAsync(List<string> batch, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // One snapshot of the next segment number, and each request's summary and steps: the summary's mod
            // revision, compared in the fold txn, then vouches for the steps (a step and its summary change together).
            var reads = new List<KvRequest> { new RangeRequest(KeyRange.Single(JournalKeys.NextSegment)) };
            foreach (var txid in batch)
            {
                reads.Add(new RangeRequest(KeyRange.Single(JournalKeys.Request(txid))));
                reads.Add(new RangeRequest(KeyRange.Prefix(JournalKeys.StepsOf(txid))));
            }

            var snapshot = await Store.TxnAsync(new TxnRequest([], reads, []), cancellationToken).ConfigureAwait(false);
            var nextKvs = ((RangeResult)snapshot.Results[0]).Kvs;
            var number = nextKvs.Count == 0 ? 1 : ParseCounter(nextKvs[0]);
            var nextModRevision = nextKvs.Count == 0 ? 0 : nextKvs[0].ModRevision;

            // (index in batch, summary, steps) of each request that can be folded now.
            var foldable = new List<(int Index, JournalSummary Summary, ArchivedRequest Request)>();
            for (var i = 0; i < batch.Count; i++)
            {
                var summaryKvs = ((RangeResult)snapshot.Results[1 + (2 * i)]).Kvs;
                var stepKvs = ((RangeResult)snapshot.Results[2 + (2 * i)]).Kvs;
                if (summaryKvs.Count == 0 || stepKvs.Count == 0)
                {
                    continue;
                }

                var summary = JournalCodec.DecodeSummary(batch[i], summaryKvs[0].Value.Span, summaryKvs[0].ModRevision);
                // A step whose entry is in the large-message store stays a pointer: the segment takes it over, and the
                // content stays where it is (retention removes it with the segment).
                var steps = stepKvs
                    .Select(kv => JournalCodec.DecodeStored(kv.Value, kv.ModRevision, JournalSource.Primary))
                    .OrderBy(s => s.At).ThenBy(s => s.Revision)
                    .ToList();
                if (IsFoldable(summary, cutoff) && JournalStates.From(steps.Select(s => s.Step)).IsFinished())
                {
                    foldable.Add((i, summary, new ArchivedRequest(batch[i], steps)));
                }
            }

            if (foldable.Count == 0)
            {
                return (0, batch.Count);
            }

            var folded = Options.Time.GetUtcNow();
            var (encoded, pointers, take) = Fit(number, folded, foldable.Select(f => f.Request).ToList());
            if (take == 0)
            {
                // The first request alone is too large for a segment: leave it in the primary, go on after it.
                LogTooLarge(_logger, foldable[0].Request.Txid, encoded.Length);
                return (0, foldable[0].Index + 1);
            }

            var compares = new List<Compare>
            {
                Compare.ModRevision(JournalKeys.NextSegment, CompareResult.Equal, nextModRevision),
                Compare.CreateRevision(JournalKeys.Segment(number), CompareResult.Equal, 0),
            };
            var ops = new List<KvRequest>
            {
                new PutRequest(JournalKeys.Segment(number), encoded),
                new PutRequest(JournalKeys.NextSegment, EncodeCounter(number + 1)),
            };
            for (var i = 0; i < take; i++)
            {
                var (_, summary, request) = foldable[i];
                compares.Add(Compare.ModRevision(JournalKeys.Request(request.Txid), CompareResult.Equal, summary.Revision));
                compares.Add(Compare.CreateRevision(JournalKeys.Archived(request.Txid), CompareResult.Equal, 0));
                ops.Add(new PutRequest(JournalKeys.Archived(request.Txid), pointers[i]));
                ops.Add(new DeleteRequest(KeyRange.Prefix(JournalKeys.StepsOf(request.Txid))));
                ops.Add(new DeleteRequest(KeyRange.Single(JournalKeys.Request(request.Txid))));
                ops.Add(new DeleteRequest(KeyRange.Single(JournalKeys.OpenRequest(request.Txid))));
            }

            var txn = await Store.TxnAsync(new TxnRequest(compares, ops, []), cancellationToken).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                var consumed = take == foldable.Count ? batch.Count : foldable[take].Index;
                return (take, consumed);
            }

            // A step was appended to one of them, or another archiver took the segment number: look again. A request
            // that got a step is no longer old enough and drops out.
        }

        LogFoldContended(_logger, batch.Count);
        return (0, batch.Count);
    }

    /// <summary>
    /// The segment of the first <c>take</c> of <paramref name="requests"/> (as many as fit in one txn), and the pointer
    /// of each; take is 0 when even the first request alone does not fit (the encoding returned is then its own).
    /// </summary>
    private static (byte[] Segment, List<byte[]> Pointers, int Take) Fit(long number, DateTimeOffset folded, List<ArchivedRequest> requests)
    {
        var pointers = requests.Select(r => Pointer(number, r)).ToList();
        var take = requests.Count;
        while (true)
        {
            var segment = JournalHistory.EncodeSegment(new HistorySegment(number, folded, requests.GetRange(0, take)));
            var size = segment.Length + pointers.Take(take).Sum(p => p.Length + 512);
            if (size <= MaxSegmentTxnBytes)
            {
                return (segment, pointers, take);
            }

            if (take == 1)
            {
                return (segment, pointers, 0);
            }

            // Shrink in proportion to the excess (compression is roughly linear), by at least one.
            take = Math.Max(1, Math.Min(take - 1, (int)((long)take * MaxSegmentTxnBytes / size)));
        }
    }

    private static byte[] Pointer(long number, ArchivedRequest request)
    {
        var state = JournalStates.From(request.Steps.Select(s => s.Step));
        var deciding = state == JournalState.Committed ? JournalNames.Commit : JournalNames.Abort;
        var step = request.Steps.First(s => s.Step == deciding);

        // A large message is never copied into the pointer: a status reads it from the large-message store.
        return JournalHistory.EncodePointer(number, state, step.Large is null ? step.Message : default);
    }
}
