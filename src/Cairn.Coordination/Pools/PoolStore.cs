using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

/// <summary>
/// zookeeper-exp1's buddy circle on the keyspace. A member is a key under its session's lease
/// (<c>/cairn/pools/&lt;pool&gt;/members/&lt;id&gt;</c>), ordered by create revision; its buddy is its predecessor, the
/// first's the last. In-flight items are <c>/cairn/pools/&lt;pool&gt;/transactions/&lt;member&gt;/&lt;item&gt;</c>, without a
/// lease: when a member dies they stay, and its watcher moves them to itself in one transaction each (exactly once).
/// </summary>
/// <remarks>
/// <para>A gone member's items go to the first live member after it in the circle (its watcher, or, when that one died
/// too before taking them, the next one on). Each item records its holder's join revision, since the gone member's key
/// no longer tells where it stood.</para>
/// <para>Concurrency: safe to use from any thread; every step that can race is one transaction.</para>
/// </remarks>
public sealed partial class PoolStore(IKeyspace store, TimeProvider? time = null)
{
    private readonly IKeyspace _store = store;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Where pools live.</summary>
    public const string Prefix = "/cairn/pools/";

    /// <summary>Largest <see cref="PoolItemDto.Value"/>, in UTF-8 bytes.</summary>
    public const int MaxItemValueBytes = 64 * 1024;

    /// <summary>Longest <see cref="PoolMemberDto.Name"/>, in characters.</summary>
    public const int MaxMemberNameLength = 256;

    /// <summary>Joins <paramref name="pool"/> under <paramref name="lease"/> with a new member id.</summary>
    /// <exception cref="LeaseNotFoundException">The lease is gone.</exception>
    public async Task<PoolMemberDto> JoinAsync(string pool, long lease, string? name = null, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CheckLease(lease);
        CheckMemberName(name);
        while (true)
        {
            var member = new PoolMemberDto
            {
                Pool = pool,
                Id = "m-" + RandomNumberGenerator.GetHexString(16, lowercase: true),
                Name = name,
                Lease = lease,
                JoinedAt = _time.GetUtcNow(),
            };
            var key = keys.Member(member.Id);
            var join = new TxnRequest(
                [Compare.CreateRevision(key, CompareResult.Equal, 0)],
                [new PutRequest(key, JsonSerializer.SerializeToUtf8Bytes(member, WireJson.Options)) { Lease = lease }],
                []);
            var result = await _store.TxnAsync(join, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                member.JoinRevision = result.Revision;
                return member;
            }

            // 64 random bits taken already: draw again.
        }
    }

    /// <summary>Leaves: deletes the member's key (its open items are then taken over by its watcher); false when it was
    /// not a member.</summary>
    public async Task<bool> LeaveAsync(string pool, string member, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        CoordinationNames.Check("member id", member);
        var result = await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(keys.Member(member))), cancellationToken).ConfigureAwait(false);
        return result.Deleted > 0;
    }

    /// <summary>The pool's members in join order with their buddies, and the orphaned items of members that are gone.</summary>
    public async Task<PoolDto> GetAsync(string pool, CancellationToken cancellationToken = default)
    {
        var keys = new PoolKeys(CoordinationNames.Check("pool name", pool));
        var snapshot = await PoolSnapshot.ReadAsync(_store, keys, cancellationToken).ConfigureAwait(false);
        var live = snapshot.Members.Select(m => keys.MemberId(m.Key)).ToHashSet(StringComparer.Ordinal);
        return new PoolDto
        {
            Pool = pool,
            Members = snapshot.Members.Select(snapshot.Describe).ToList(),
            Orphaned = snapshot.Items
                .Where(pair => !live.Contains(pair.Key))
                .ToDictionary(pair => pair.Key, pair => pair.Value.Select(kv => keys.ItemOf(kv.Key)!.Value.Item).ToList(), StringComparer.Ordinal),
            Revision = snapshot.Revision,
        };
    }

    /// <summary>The names of pools that have members or items.</summary>
    public async Task<IReadOnlyList<string>> ListPoolsAsync(CancellationToken cancellationToken = default)
    {
        var result = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(Prefix)) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
        var pools = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var kv in result.Kvs)
        {
            var slash = kv.Key.IndexOf('/', Prefix.Length);
            if (slash > Prefix.Length)
            {
                pools.Add(kv.Key[Prefix.Length..slash]);
            }
        }

        return [.. pools];
    }

    private static void CheckLease(long lease)
    {
        if (lease <= 0)
        {
            throw new InvalidArgumentException($"A lease is required to join a pool (a positive lease id the member keeps alive); got {lease}.");
        }
    }

    private static void CheckMemberName(string? name)
    {
        if (name is null)
        {
            return;
        }

        if (name.Length is 0 or > MaxMemberNameLength)
        {
            throw new InvalidArgumentException($"A member name is 1–{MaxMemberNameLength} characters; got {name.Length}.");
        }

        if (name.Any(char.IsControl))
        {
            throw new InvalidArgumentException("A member name cannot contain control characters.");
        }
    }
}
