using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

/// <summary>
/// zookeeper-exp1's buddy circle on the keyspace. A member is a key under its session's lease
/// (<c>/cairn/pools/&lt;pool&gt;/members/&lt;id&gt;</c>), ordered by create revision; its buddy is its predecessor, the
/// first's the last. In-flight items are <c>/cairn/pools/&lt;pool&gt;/transactions/&lt;member&gt;/&lt;item&gt;</c>, without a
/// lease: when a member dies they stay, and its watcher moves them to itself in one transaction each (exactly once).
/// </summary>
public sealed class PoolStore(IKeyspace store, TimeProvider? time = null)
{
    private readonly IKeyspace _store = store;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Where pools live.</summary>
    public const string Prefix = "/cairn/pools/";

    /// <summary>Joins <paramref name="pool"/> under <paramref name="lease"/> with a new member id.</summary>
    /// <exception cref="LeaseNotFoundException">The lease is gone.</exception>
    public Task<PoolMemberDto> JoinAsync(string pool, long lease, string? name = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Leaves: deletes the member's key (its open items are then taken over by its watcher); false when it was
    /// not a member.</summary>
    public Task<bool> LeaveAsync(string pool, string member, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The pool's members in join order with their buddies, and the orphaned items of members that are gone.</summary>
    public Task<PoolDto> GetAsync(string pool, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The names of pools that have members or items.</summary>
    public Task<IReadOnlyList<string>> ListPoolsAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Registers (or rewrites) an in-flight item of a live member.</summary>
    /// <exception cref="NotFoundException">The member is not in the pool (left or expired).</exception>
    public Task<PoolItemDto> PutItemAsync(string pool, string member, string item, string value, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Clears a finished item; false when the member does not hold it (any more).</summary>
    public Task<bool> FinishItemAsync(string pool, string member, string item, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The items <paramref name="member"/> holds.</summary>
    public Task<IReadOnlyList<PoolItemDto>> ItemsAsync(string pool, string member, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Moves every item of the gone member <paramref name="dead"/> to the live <paramref name="member"/>, each in
    /// one transaction that succeeds for one caller only; returns the items this call moved (none when another took them,
    /// or <paramref name="dead"/> is still alive).</summary>
    public Task<IReadOnlyList<PoolItemDto>> TakeOverAsync(string pool, string member, string dead, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Joins and leaves from <paramref name="fromRevision"/> (0: now), in revision order.</summary>
    public IAsyncEnumerable<PoolEventDto> WatchAsync(string pool, long fromRevision = 0, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// The member's loop, as long as the caller iterates: a first <c>buddy</c> event, then each buddy change; when the
    /// buddy (or any member whose items nobody else is left to take) dies, the takeover it made (<c>takeover</c>, the items
    /// now the member's); and, when the member's own session ends, <c>lost</c>, after which the stream ends. Waiting is a
    /// watch on the buddy's key only (the first member also watches for joins, since its buddy is the last).
    /// </summary>
    /// <exception cref="NotFoundException">(On the first MoveNext) the member is not in the pool.</exception>
    public IAsyncEnumerable<PoolEventDto> FollowAsync(string pool, string member, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
