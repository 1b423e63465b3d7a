using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Coordination.Pools;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// A queue with at-least-once delivery: items are keys in enqueue order; a consumer claims one under its session's lease,
/// and the item goes back to the queue if the session ends before the consumer acknowledges it.
/// </summary>
/// <remarks>
/// <para>Keys under <c>/cairn/queues/&lt;name&gt;/</c>: <c>seq</c> (the last id handed out), <c>items/&lt;id&gt;</c> (20-digit
/// ids, so key order is enqueue order; the value is the item with its delivery count), <c>claims/&lt;id&gt;</c> (under the
/// consumer's lease: an item is ready while it has none) and <c>waiters/&lt;lease&gt;-&lt;random&gt;</c> (consumers waiting
/// for an item, under their leases).</para>
/// <para>Waiting consumers form a line, like a lock's: only the first watches the queue (for an enqueue, or a claim that
/// goes with its consumer's session or is given back); each other waits behind the one before it, and goes on when that one
/// got an item or gave up. A burst of items therefore wakes the line one by one, never all of it at once.</para>
/// <para>Concurrency: safe to use from any thread; a claim, an ack and an enqueue are one transaction each.</para>
/// </remarks>
public sealed class QueueStore(IKeyspace store)
{
    private const int ClaimAttemptsPerRead = 8;
    private const int ReadyItemsRead = 32;
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(30);
    private readonly IKeyspace _store = store;

    /// <summary>Where queues live.</summary>
    public const string Prefix = "/cairn/queues/";

    /// <summary>Appends an item.</summary>
    /// <exception cref="LimitExceededException">The item is larger than the store takes.</exception>
    public async Task<QueueItemDto> EnqueueAsync(string queue, string value, CancellationToken cancellationToken = default)
    {
        var keys = new QueueKeys(CoordinationNames.Check("queue name", queue));
        ArgumentNullException.ThrowIfNull(value);
        var seq = (await _store.RangeAsync(new RangeRequest(KeyRange.Single(keys.Seq)), cancellationToken).ConfigureAwait(false)).Kvs.SingleOrDefault();
        while (true)
        {
            var next = (seq is null ? 0 : long.Parse(Encoding.UTF8.GetString(seq.Value.Span), CultureInfo.InvariantCulture)) + 1;
            var item = new QueueItemDto { Queue = queue, Id = next.ToString("D20", CultureInfo.InvariantCulture), Value = value };
            var append = new TxnRequest(
                [Compare.ModRevision(keys.Seq, CompareResult.Equal, seq?.ModRevision ?? 0)],
                [
                    new PutRequest(keys.Seq, Encoding.UTF8.GetBytes(next.ToString(CultureInfo.InvariantCulture))),
                    new PutRequest(keys.Item(item.Id), Serialize(item)),
                ],
                [new RangeRequest(KeyRange.Single(keys.Seq))]);
            var result = await _store.TxnAsync(append, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                item.Revision = result.Revision;
                return item;
            }

            seq = ((RangeResult)result.Results[0]).Kvs.SingleOrDefault();
        }
    }

    /// <summary>Claims the oldest ready item for <see cref="DequeueDto.Lease"/>, waiting for one; null when
    /// <see cref="DequeueDto.WaitSeconds"/> ran out.</summary>
    /// <exception cref="LeaseNotFoundException">The consumer's lease is gone.</exception>
    public async Task<QueueItemDto?> DequeueAsync(string queue, DequeueDto request, CancellationToken cancellationToken = default)
    {
        var keys = new QueueKeys(CoordinationNames.Check("queue name", queue));
        ArgumentNullException.ThrowIfNull(request);
        CheckLease(request.Lease);
        var wait = request.WaitSeconds switch
        {
            null => (TimeSpan?)null,
            double s when double.IsFinite(s) && s >= 0 => TimeSpan.FromSeconds(Math.Min(s, LongestWait.TotalSeconds)),
            var s => throw new InvalidArgumentException($"waitSeconds is 0 (only try) or a number of seconds to wait; got {s}."),
        };
        var deadline = wait is { } w ? DateTime.UtcNow + w : (DateTime?)null;
        string? waiter = null;
        try
        {
            while (true)
            {
                var (revision, ready, waiters) = await ReadAsync(keys, cancellationToken).ConfigureAwait(false);
                foreach (var kv in ready.Take(ClaimAttemptsPerRead))
                {
                    cancellationToken.ThrowIfCancellationRequested();

                    // Not cancelled half-way: a claim the caller never hears of would hold the item for as long as its
                    // session lives. A caller that left meanwhile gives it straight back.
                    var claimed = await TryClaimAsync(keys, kv, request.Lease, waiter, CancellationToken.None).ConfigureAwait(false);
                    if (claimed is not null)
                    {
                        waiter = null; // deleted with the claim
                        if (cancellationToken.IsCancellationRequested)
                        {
                            await NackAsync(queue, claimed.Id, request.Lease, CancellationToken.None).ConfigureAwait(false);
                            cancellationToken.ThrowIfCancellationRequested();
                        }

                        return claimed;
                    }
                }

                if (ready.Count > 0)
                {
                    continue; // others were faster for these; read again
                }

                if (deadline is { } until && until <= DateTime.UtcNow)
                {
                    return null;
                }

                if (waiter is null)
                {
                    // Join the line, then read again: whatever came in meanwhile is seen by that read or the watch after it.
                    waiter = await JoinLineAsync(keys, request.Lease, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var place = waiters.FindIndex(kv => kv.Key == waiter);
                if (place < 0)
                {
                    waiter = null; // our place went with our session: joining again says whether the lease is gone
                    continue;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (deadline is { } end)
                {
                    timeout.CancelAfter(end - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
                }

                try
                {
                    await KeyWatches.FirstAsync(_store, revision + 1, LineWatches(keys, waiter, place == 0 ? null : waiters[place - 1].Key), timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null; // waitSeconds ran out
                }
                catch (CompactedException)
                {
                    // History since the read is gone: read again.
                }
            }
        }
        finally
        {
            if (waiter is not null)
            {
                await LeaveLineAsync(waiter).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Acknowledges (deletes) an item the session holds; false when it does not hold it (any more).</summary>
    public async Task<bool> AckAsync(string queue, string id, long lease, CancellationToken cancellationToken = default)
    {
        var keys = new QueueKeys(CoordinationNames.Check("queue name", queue));
        CoordinationNames.Check("item id", id);
        CheckLease(lease);
        var ack = new TxnRequest(
            [Compare.Lease(keys.Claim(id), CompareResult.Equal, lease)],
            [new DeleteRequest(KeyRange.Single(keys.Item(id))), new DeleteRequest(KeyRange.Single(keys.Claim(id)))],
            []);
        return (await _store.TxnAsync(ack, cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    /// <summary>Gives an item back to the queue; false when the session does not hold it.</summary>
    public async Task<bool> NackAsync(string queue, string id, long lease, CancellationToken cancellationToken = default)
    {
        var keys = new QueueKeys(CoordinationNames.Check("queue name", queue));
        CoordinationNames.Check("item id", id);
        CheckLease(lease);
        var nack = new TxnRequest(
            [Compare.Lease(keys.Claim(id), CompareResult.Equal, lease)],
            [new DeleteRequest(KeyRange.Single(keys.Claim(id)))],
            []);
        return (await _store.TxnAsync(nack, cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    /// <summary>How many items are ready and in flight.</summary>
    public async Task<QueueStateDto> GetAsync(string queue, CancellationToken cancellationToken = default)
    {
        var keys = new QueueKeys(CoordinationNames.Check("queue name", queue));
        var read = new TxnRequest(
            [],
            [
                new RangeRequest(KeyRange.Prefix(keys.Items)) { CountOnly = true },
                new RangeRequest(KeyRange.Prefix(keys.Claims)) { CountOnly = true },
            ],
            []);
        var result = await _store.TxnAsync(read, cancellationToken).ConfigureAwait(false);
        var items = (int)((RangeResult)result.Results[0]).Count;
        var claims = (int)((RangeResult)result.Results[1]).Count;
        return new QueueStateDto { Queue = queue, Ready = Math.Max(0, items - claims), InFlight = claims, Revision = result.Revision };
    }

    // The claims and the line in one read, then, at the same revision, as many items as it takes to find some ready ones
    // (every claim is of an item, so among the first claims + N items at least N are ready, if there are that many).
    private async Task<(long Revision, List<KeyValue> Ready, List<KeyValue> Waiters)> ReadAsync(QueueKeys keys, CancellationToken cancellationToken)
    {
        var read = new TxnRequest(
            [],
            [
                new RangeRequest(KeyRange.Prefix(keys.Claims)) { KeysOnly = true },
                new RangeRequest(KeyRange.Prefix(keys.Waiters)) { KeysOnly = true },
            ],
            []);
        var state = await _store.TxnAsync(read, cancellationToken).ConfigureAwait(false);
        var claims = ((RangeResult)state.Results[0]).Kvs.Select(kv => kv.Key[keys.Claims.Length..]).ToHashSet(StringComparer.Ordinal);
        var waiters = ((RangeResult)state.Results[1]).Kvs.OrderBy(kv => kv.CreateRevision).ToList();
        var items = await _store.RangeAsync(
            new RangeRequest(KeyRange.Prefix(keys.Items)) { Revision = state.Revision, Limit = claims.Count + ReadyItemsRead },
            cancellationToken).ConfigureAwait(false);
        var ready = items.Kvs.Where(kv => !claims.Contains(kv.Key[keys.Items.Length..])).ToList();
        return (state.Revision, ready, waiters);
    }

    // One transaction: the item unchanged since the read (so unclaimed, as no claim is made without rewriting it) and no
    // claim → the claim under the consumer's lease, the item's delivery count + 1, and the consumer out of the line.
    private async Task<QueueItemDto?> TryClaimAsync(QueueKeys keys, KeyValue kv, long lease, string? waiter, CancellationToken cancellationToken)
    {
        var id = kv.Key[keys.Items.Length..];
        var item = Deserialize(keys, kv);
        item.Deliveries++;
        var claim = keys.Claim(id);
        List<KvRequest> writes =
        [
            new PutRequest(claim, Encoding.UTF8.GetBytes(lease.ToString(CultureInfo.InvariantCulture))) { Lease = lease },
            new PutRequest(kv.Key, Serialize(item)),
        ];
        if (waiter is not null)
        {
            writes.Add(new DeleteRequest(KeyRange.Single(waiter)));
        }

        var txn = new TxnRequest(
            [Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision), Compare.CreateRevision(claim, CompareResult.Equal, 0)],
            writes,
            []);
        var result = await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }

        item.Revision = kv.CreateRevision;
        item.Lease = lease;
        return item;
    }

    private async Task<string> JoinLineAsync(QueueKeys keys, long lease, CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = keys.Waiters + lease.ToString("x16", CultureInfo.InvariantCulture) + "-" + RandomNumberGenerator.GetHexString(8, lowercase: true);
            var join = new TxnRequest(
                [Compare.CreateRevision(key, CompareResult.Equal, 0)],
                [new PutRequest(key, ReadOnlyMemory<byte>.Empty) { Lease = lease }],
                []);
            if ((await _store.TxnAsync(join, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                return key;
            }
        }
    }

    private async Task LeaveLineAsync(string waiter)
    {
        try
        {
            await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(waiter)), CancellationToken.None).ConfigureAwait(false);
        }
        catch (CairnException)
        {
            // The key goes with the consumer's lease anyway.
        }
    }

    // The first in line watches the claims and items for an item becoming ready: an enqueue (a new item key), or a claim
    // deleted without its item (given back, or gone with its consumer's session; an ack deletes both). Everyone else
    // watches the one before them. All watch their own place too, which goes if their session ends.
    private static List<KeyWatches.Spec> LineWatches(QueueKeys keys, string waiter, string? predecessor)
    {
        var own = new KeyWatches.Spec(KeyRange.Single(waiter), response => response.Events.Any(e => e.Type == WatchEventType.Delete));
        if (predecessor is not null)
        {
            return [own, new(KeyRange.Single(predecessor), response => response.Events.Any(e => e.Type == WatchEventType.Delete))];
        }

        var queue = new KeyWatches.Spec(KeyRange.Between(keys.Claims, keys.ItemsEnd), response =>
        {
            var deletedItems = response.Events
                .Where(e => e.Type == WatchEventType.Delete && e.Kv.Key.StartsWith(keys.Items, StringComparison.Ordinal))
                .Select(e => e.Kv.Key[keys.Items.Length..])
                .ToHashSet(StringComparer.Ordinal);
            return response.Events.Any(e =>
                (e.Type == WatchEventType.Put && e.Kv.Version == 1 && e.Kv.Key.StartsWith(keys.Items, StringComparison.Ordinal))
                || (e.Type == WatchEventType.Delete && e.Kv.Key.StartsWith(keys.Claims, StringComparison.Ordinal) && !deletedItems.Contains(e.Kv.Key[keys.Claims.Length..])));
        });
        return [own, queue];
    }

    private static void CheckLease(long lease)
    {
        if (lease <= 0)
        {
            throw new InvalidArgumentException($"A consumer's lease is a positive lease id it keeps alive; got {lease}.");
        }
    }

    private static byte[] Serialize(QueueItemDto item) => JsonSerializer.SerializeToUtf8Bytes(
        new QueueItemDto { Queue = item.Queue, Id = item.Id, Value = item.Value, Deliveries = item.Deliveries },
        WireJson.Options);

    private static QueueItemDto Deserialize(QueueKeys keys, KeyValue kv)
    {
        var id = kv.Key[keys.Items.Length..];
        QueueItemDto? item = null;
        try
        {
            item = JsonSerializer.Deserialize<QueueItemDto>(kv.Value.Span, WireJson.Options);
        }
        catch (JsonException)
        {
        }

        item ??= new QueueItemDto { Value = Encoding.UTF8.GetString(kv.Value.Span) };
        item.Queue = keys.Queue;
        item.Id = id;
        item.Revision = kv.CreateRevision;
        item.Lease = null;
        return item;
    }

    private sealed class QueueKeys(string queue)
    {
        public string Queue { get; } = queue;

        public string Root { get; } = Prefix + queue + "/";

        public string Seq => Root + "seq";

        public string Items => Root + "items/";

        /// <summary>Just past every item key ('/' + 1 = '0').</summary>
        public string ItemsEnd => Root + "items0";

        public string Claims => Root + "claims/";

        public string Waiters => Root + "waiters/";

        public string Item(string id) => Items + id;

        public string Claim(string id) => Claims + id;
    }
}
