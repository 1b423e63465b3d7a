using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// Reads keys at a revision from the state's <see cref="KeyIndex"/>, seen through a batch's <see cref="Overlay"/> when
/// there is one: the one place where range shapes, limit, count, keys-only and count-only are decided, for the reads
/// of the API (no overlay, on any thread) and for the reads inside a batch being evaluated (on the sequencer).
/// </summary>
/// <remarks>
/// <c>baseRevision</c> in every method is the state revision the read sees of the index (a reader's pinned
/// revision, or the sequencer's current one); the overlay holds only revisions after it.
/// </remarks>
internal static class RangeReader
{
    /// <summary>One key at <paramref name="at"/>, or null if it did not exist then.</summary>
    public static KeyValue? Get(KeyIndex index, long baseRevision, Overlay? overlay, ReadOnlySpan<byte> key, long at)
    {
        if (overlay?.Find(key) is { } changed && changed.TryAt(at, out var kv))
        {
            return kv;
        }

        return index.Find(key)?.LiveAt(Math.Min(at, baseRevision));
    }

    /// <summary>Answers <paramref name="request"/> as of <paramref name="at"/>, reporting
    /// <paramref name="reportRevision"/> as the store revision (a read at a past revision reports the current one).</summary>
    public static RangeResult Range(KeyIndex index, long baseRevision, Overlay? overlay, RangeRequest request, long at, long reportRevision)
    {
        if (request.Range.IsSingleKey)
        {
            var kv = Get(index, baseRevision, overlay, request.Range.StartBytes, at);
            if (kv is null)
            {
                return new RangeResult(reportRevision, [], false, 0);
            }

            return request.CountOnly
                ? new RangeResult(reportRevision, [], false, 1)
                : new RangeResult(reportRevision, [request.KeysOnly ? kv with { Value = ReadOnlyMemory<byte>.Empty } : kv], false, 1);
        }

        var kvs = new List<KeyValue>();
        var count = Walk(index, baseRevision, overlay, request.Range, at, request.CountOnly ? 0 : request.Limit > 0 ? request.Limit : long.MaxValue, request.KeysOnly, kvs, null);
        return new RangeResult(reportRevision, kvs, count > kvs.Count && !request.CountOnly, count);
    }

    /// <summary>Every key in <paramref name="range"/> at <paramref name="at"/>, with its full value and its bytes (what a
    /// delete needs), in key order.</summary>
    public static void Scan(KeyIndex index, long baseRevision, Overlay? overlay, KeyRange range, long at, List<KeyValue> kvs, List<byte[]> keys)
    {
        if (range.IsSingleKey)
        {
            if (Get(index, baseRevision, overlay, range.StartBytes, at) is { } kv)
            {
                kvs.Add(kv);
                keys.Add(range.StartBytes);
            }

            return;
        }

        Walk(index, baseRevision, overlay, range, at, long.MaxValue, keysOnly: false, kvs, keys);
    }

    // Walks the index and the overlay side by side in key order over a range of several keys. Counts every key that
    // existed at `at`; keeps the first `keep` of them. Returns the count.
    private static long Walk(KeyIndex index, long baseRevision, Overlay? overlay, KeyRange range, long at, long keep, bool keysOnly, List<KeyValue> kvs, List<byte[]>? keys)
    {
        var end = range.EndBytes!;
        var readBase = Math.Min(at, baseRevision);
        var node = index.Seek(range.StartBytes);
        var next = overlay?.LowerBound(range.StartBytes) ?? 0;
        var changed = overlay?.Count ?? 0;
        long count = 0;
        while (true)
        {
            var nodeKey = node is not null && Below(node.Key, end) ? node.Key : null;
            var overlayKey = next < changed && Below(overlay![next].Key, end) ? overlay[next] : null;
            if (nodeKey is null && overlayKey is null)
            {
                return count;
            }

            var order = nodeKey is null ? 1 : overlayKey is null ? -1 : nodeKey.AsSpan().SequenceCompareTo(overlayKey.Key);
            KeyValue? kv;
            byte[] key;
            if (order < 0)
            {
                key = nodeKey!;
                kv = node!.LiveAt(readBase);
                node = node.Following;
            }
            else
            {
                key = overlayKey!.Key;
                if (!overlayKey.TryAt(at, out kv))
                {
                    kv = order == 0 ? node!.LiveAt(readBase) : null;
                }

                if (order == 0)
                {
                    node = node!.Following;
                }

                next++;
            }

            if (kv is null)
            {
                continue;
            }

            count++;
            if (kvs.Count < keep)
            {
                kvs.Add(keysOnly ? kv with { Value = ReadOnlyMemory<byte>.Empty } : kv);
                keys?.Add(key);
            }
        }
    }

    // An empty end is no upper bound.
    private static bool Below(byte[] key, byte[] end) => end.Length == 0 || key.AsSpan().SequenceCompareTo(end) < 0;
}
