using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

/// <summary>A pool as one read saw it: live members in join order and the items of every member, live or gone.</summary>
internal sealed class PoolSnapshot
{
    private PoolSnapshot(PoolKeys keys, long revision, List<KeyValue> members, Dictionary<string, List<KeyValue>> items)
    {
        Keys = keys;
        Revision = revision;
        Members = members;
        Items = items;
    }

    public PoolKeys Keys { get; }

    public long Revision { get; }

    /// <summary>Live members' keys, in join order (create revision).</summary>
    public List<KeyValue> Members { get; }

    /// <summary>Member id → its item keys, in key order; members that are gone included.</summary>
    public Dictionary<string, List<KeyValue>> Items { get; }

    /// <summary>Reads the whole pool in one range, so members and items are of one revision.</summary>
    public static async Task<PoolSnapshot> ReadAsync(IKeyspace store, PoolKeys keys, CancellationToken cancellationToken)
    {
        var result = await store.RangeAsync(new RangeRequest(KeyRange.Prefix(keys.Root)), cancellationToken).ConfigureAwait(false);
        var members = new List<KeyValue>();
        var items = new Dictionary<string, List<KeyValue>>(StringComparer.Ordinal);
        foreach (var kv in result.Kvs)
        {
            if (kv.Key.StartsWith(keys.Members, StringComparison.Ordinal))
            {
                members.Add(kv);
            }
            else if (keys.ItemOf(kv.Key) is { } item)
            {
                if (!items.TryGetValue(item.Member, out var list))
                {
                    items[item.Member] = list = [];
                }

                list.Add(kv);
            }
        }

        members.Sort((a, b) => a.CreateRevision.CompareTo(b.CreateRevision));
        return new PoolSnapshot(keys, result.Revision, members, items);
    }

    public int IndexOf(string member) => Members.FindIndex(m => Keys.MemberId(m.Key) == member);

    /// <summary>The member's predecessor, the first's the last; null when alone (or not a member).</summary>
    public string? BuddyOf(string member)
    {
        var index = IndexOf(member);
        if (index < 0 || Members.Count < 2)
        {
            return null;
        }

        return Keys.MemberId(Members[index == 0 ? Members.Count - 1 : index - 1].Key);
    }

    public int InFlight(string member) => Items.TryGetValue(member, out var list) ? list.Count : 0;

    /// <summary>Members that are gone and still hold items, in the order they had joined.</summary>
    public IEnumerable<(string Member, long JoinRevision)> Gone()
    {
        var live = Members.Select(m => Keys.MemberId(m.Key)).ToHashSet(StringComparer.Ordinal);
        return Items
            .Where(pair => !live.Contains(pair.Key))
            .Select(pair => (pair.Key, pair.Value.Min(kv => StoredPoolItem.Parse(Keys, kv).MemberJoinRevision)))
            .OrderBy(gone => gone.Item2)
            .ThenBy(gone => gone.Key, StringComparer.Ordinal);
    }

    /// <summary>Who takes over a gone member's items: the first live member after it in the circle (join order,
    /// wrapping to the first).</summary>
    public string? ResponsibleFor(long goneJoinRevision)
    {
        if (Members.Count == 0)
        {
            return null;
        }

        var next = Members.FirstOrDefault(m => m.CreateRevision > goneJoinRevision) ?? Members[0];
        return Keys.MemberId(next.Key);
    }

    /// <summary>A member key as a listing shows it.</summary>
    public PoolMemberDto Describe(KeyValue kv)
    {
        var id = Keys.MemberId(kv.Key);
        PoolMemberDto? member = null;
        try
        {
            member = JsonSerializer.Deserialize<PoolMemberDto>(kv.Value.Span, WireJson.Options);
        }
        catch (JsonException)
        {
        }

        member ??= new PoolMemberDto();
        member.Pool = Keys.Pool;
        member.Id = id;
        member.Lease = kv.Lease;
        member.JoinRevision = kv.CreateRevision;
        member.Buddy = BuddyOf(id);
        member.InFlight = InFlight(id);
        return member;
    }
}
