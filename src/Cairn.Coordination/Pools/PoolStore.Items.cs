using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

public sealed partial class PoolStore
{
    /// <summary>Registers (or rewrites) an in-flight item of a live member.</summary>
    /// <exception cref="NotFoundException">The member is not in the pool (left or expired).</exception>
    /// <exception cref="LimitExceededException">The value is over <see cref="MaxItemValueBytes"/>.</exception>
    public async Task<PoolItemDto> PutItemAsync(string pool, string member, string item, string value, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        CoordinationNames.Check("item id", item);
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxItemValueBytes)
        {
            throw new LimitExceededException("value", bytes, MaxItemValueBytes);
        }

        var memberKey = keys.Member(member);
        var itemKey = keys.Item(member, item);
        KvRequest[] read = [new RangeRequest(KeyRange.Single(memberKey)), new RangeRequest(KeyRange.Single(itemKey))];
        var state = await _store.TxnAsync(new TxnRequest([], read, []), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var holder = ((RangeResult)state.Results[0]).Kvs.SingleOrDefault()
                ?? throw new NotFoundException($"Member '{member}' is not in pool '{pool}' (it left, or its session ended); rejoin and register the item under the new member.");
            var existing = ((RangeResult)state.Results[1]).Kvs.SingleOrDefault();
            var stored = new StoredPoolItem
            {
                Pool = pool,
                Member = member,
                Item = item,
                Value = value,
                From = existing is null ? null : StoredPoolItem.Parse(keys, existing).From,
                MemberJoinRevision = holder.CreateRevision,
            };

            // The member still the same incarnation, the item as read (From kept): else read both again and retry.
            var write = new TxnRequest(
                [Compare.CreateRevision(memberKey, CompareResult.Equal, holder.CreateRevision), Compare.ModRevision(itemKey, CompareResult.Equal, existing?.ModRevision ?? 0)],
                [new PutRequest(itemKey, stored.ToUtf8())],
                read);
            state = await _store.TxnAsync(write, cancellationToken).ConfigureAwait(false);
            if (state.Succeeded)
            {
                return stored.ToDto(state.Revision);
            }
        }
    }

    /// <summary>Clears a finished item; false when the member does not hold it (any more).</summary>
    public async Task<bool> FinishItemAsync(string pool, string member, string item, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        CoordinationNames.Check("item id", item);
        var result = await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(keys.Item(member, item))), cancellationToken).ConfigureAwait(false);
        return result.Deleted > 0;
    }

    /// <summary>The items <paramref name="member"/> holds, by item id.</summary>
    public async Task<IReadOnlyList<PoolItemDto>> ItemsAsync(string pool, string member, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        var result = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(keys.ItemsOf(member))), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Select(kv => StoredPoolItem.Parse(keys, kv).ToDto(kv.ModRevision)).ToList();
    }

    /// <summary>Moves every item of the gone member <paramref name="dead"/> to the live <paramref name="member"/>, each in
    /// one transaction that succeeds for one caller only; returns the items this call moved (none when another took them,
    /// or <paramref name="dead"/> is still alive).</summary>
    /// <remarks>An item <paramref name="member"/> already holds under the same id is not overwritten: the dead member's
    /// copy then stays where it is (listed as orphaned).</remarks>
    /// <exception cref="NotFoundException"><paramref name="member"/> is not in the pool.</exception>
    public async Task<IReadOnlyList<PoolItemDto>> TakeOverAsync(string pool, string member, string dead, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        CoordinationNames.Check("dead member id", dead);
        if (member == dead)
        {
            throw new InvalidArgumentException($"Member '{member}' cannot take over its own items.");
        }

        var memberKey = keys.Member(member);
        var deadKey = keys.Member(dead);

        // One read for all three, so the items are read after the dead member was already gone: nobody writes them any
        // more but a taker (or a finish), and a changed mod revision means exactly that.
        KvRequest[] read =
        [
            new RangeRequest(KeyRange.Single(memberKey)),
            new RangeRequest(KeyRange.Single(deadKey)) { CountOnly = true },
            new RangeRequest(KeyRange.Prefix(keys.ItemsOf(dead))),
        ];
        var state = await _store.TxnAsync(new TxnRequest([], read, []), cancellationToken).ConfigureAwait(false);
        var taker = ((RangeResult)state.Results[0]).Kvs.SingleOrDefault()
            ?? throw new NotFoundException($"Member '{member}' is not in pool '{pool}' (it left, or its session ended).");
        if (((RangeResult)state.Results[1]).Count > 0)
        {
            return [];
        }

        var moved = new List<PoolItemDto>();
        foreach (var kv in ((RangeResult)state.Results[2]).Kvs)
        {
            var stored = StoredPoolItem.Parse(keys, kv);
            var target = keys.Item(member, stored.Item);
            var taken = new StoredPoolItem
            {
                Pool = pool,
                Member = member,
                Item = stored.Item,
                Value = stored.Value,
                From = dead,
                MemberJoinRevision = taker.CreateRevision,
            };
            var move = new TxnRequest(
                [
                    Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision),
                    Compare.Version(deadKey, CompareResult.Equal, 0),
                    Compare.CreateRevision(memberKey, CompareResult.Equal, taker.CreateRevision),
                    Compare.Version(target, CompareResult.Equal, 0),
                ],
                [new DeleteRequest(KeyRange.Single(kv.Key)), new PutRequest(target, taken.ToUtf8())],
                [new RangeRequest(KeyRange.Single(memberKey)) { CountOnly = true }]);
            var result = await _store.TxnAsync(move, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                moved.Add(taken.ToDto(result.Revision));
            }
            else if (((RangeResult)result.Results[0]).Count == 0)
            {
                break; // the taker is gone itself: what it moved so far is its own watcher's now
            }
        }

        return moved;
    }
}
