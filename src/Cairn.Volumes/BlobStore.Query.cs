using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Volumes;

public sealed partial class BlobStore
{
    private const int ScanPage = 500;
    private const string ReservedMeta = BlobKeys.MetaPrefix + BlobNames.ReservedPrefix;
    private static readonly string ReservedMetaEnd = Keys.PrefixEnd(ReservedMeta)!;

    /// <summary>Blobs matching <paramref name="query"/>, in key order, a page at a time. It reads the metadata of the
    /// keys in range (the prefix's, or all) and filters them: fine for the numbers of keys a node holds metadata for,
    /// and it never holds more than one scan page and the results in memory. Keys under
    /// <see cref="BlobNames.ReservedPrefix"/> (Cairn's own) are never listed; the scan steps over them.</summary>
    /// <exception cref="InvalidArgumentException">A limit below 1 or above 10,000.</exception>
    public async Task<BlobPage> QueryAsync(BlobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 10_000)
        {
            throw new InvalidArgumentException($"A limit is between 1 and 10000; got {query.Limit}.");
        }

        var now = Time.GetUtcNow();
        var results = new List<BlobInfo>();
        string? next = null;
        await foreach (var (key, kv, meta) in ScanAsync(query.Prefix, query.After, cancellationToken, skipReserved: true).ConfigureAwait(false))
        {
            if (meta.IsExpired(now) || !Matches(query, key, meta))
            {
                continue;
            }

            if (results.Count == query.Limit)
            {
                next = results[^1].Key;
                break;
            }

            results.Add(meta.ToInfo(key, kv));
        }

        return new BlobPage(results, next);
    }

    private static bool Matches(BlobQuery query, string key, BlobMeta meta)
    {
        if (query.Text is { Length: > 0 } text && !key.Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(meta.Created).UtcDateTime);
        return (query.CreatedOn is not { } on || day == on)
            && (query.CreatedBefore is not { } before || day < before)
            && (query.CreatedAfter is not { } after || day > after);
    }

    /// <summary>Counts and sizes for <c>/admin/status</c>, and the volumes of the cluster.</summary>
    public async Task<BlobStoreStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        long entries = 0, bytes = 0, inline = 0;
        await foreach (var (_, _, meta) in ScanAsync(null, null, cancellationToken).ConfigureAwait(false))
        {
            if (meta.IsExpired(now))
            {
                continue;
            }

            entries++;
            bytes += meta.Size;
            if (meta.Inline is not null)
            {
                inline++;
            }
        }

        return new BlobStoreStatus
        {
            Entries = entries,
            Bytes = bytes,
            InlineEntries = inline,
            Volumes = await VolumesAsync(cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>Every blob's metadata in key order, from just after <paramref name="after"/>, one page of the store at
    /// a time, all pages at the revision of the first; with <paramref name="skipReserved"/>, none under
    /// <see cref="BlobNames.ReservedPrefix"/> (the scan jumps past them).</summary>
    private async IAsyncEnumerable<(string Key, KeyValue Kv, BlobMeta Meta)> ScanAsync(
        string? prefix,
        string? after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken,
        bool skipReserved = false)
    {
        var start = BlobKeys.MetaPrefix + (prefix ?? "");
        var end = Keys.PrefixEnd(start)!;
        var from = after is { Length: > 0 } && string.CompareOrdinal(BlobKeys.Meta(after), start) >= 0 ? BlobKeys.Meta(after) + "\0" : start;
        long revision = 0;
        while (true)
        {
            var page = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Limit = ScanPage, Revision = revision }, cancellationToken).ConfigureAwait(false);
            revision = page.Revision;
            var reservedFrom = -1;
            for (var i = 0; i < page.Kvs.Count; i++)
            {
                var kv = page.Kvs[i];
                if (skipReserved && kv.Key.StartsWith(ReservedMeta, StringComparison.Ordinal))
                {
                    reservedFrom = i;
                    break;
                }

                if (BlobMeta.Decode(kv.Value.Span) is { } meta)
                {
                    yield return (BlobKeys.FromMeta(kv.Key), kv, meta);
                }
            }

            if (reservedFrom >= 0)
            {
                // Past Cairn's own keys in one step, rather than reading them all.
                from = ReservedMetaEnd;
                if (string.CompareOrdinal(from, end) >= 0)
                {
                    yield break;
                }

                continue;
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                yield break;
            }

            from = page.Kvs[^1].Key + "\0";
        }
    }
}
