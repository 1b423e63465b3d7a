namespace Cairn.Bench.Coord;

/// <summary>
/// One implementation of the coordination recipes under test, on fresh state: the benchmark makes a new one per cell,
/// so that no cell sees another's leftovers (keys, leases, a long history). Every participant of a scenario (a lock
/// contender, an election candidate, a barrier participant) has a session of its own — a lease, as a separate process
/// would — and all of them share the target's one client (connection pool, gRPC channel), as the threads of one
/// application would.
/// </summary>
internal interface ICoordTarget : IAsyncDisposable
{
    /// <summary>Starts a session of <paramref name="ttlSeconds"/> for one participant: a lease (that nothing needs to keep
    /// alive: a cell is far shorter than the TTL), or the target's own session object on it. Returns the lease and the
    /// TTL granted (a store may grant more than asked: etcd's minimum is 2 s with its default settings).</summary>
    Task<(long Id, long TtlSeconds)> GrantAsync(long ttlSeconds, CancellationToken cancellationToken);

    /// <summary>Grants a lease that is never kept alive, whatever the target's sessions do: the crashing leader's.</summary>
    Task<(long Id, long TtlSeconds)> GrantExpiringAsync(long ttlSeconds, CancellationToken cancellationToken);

    /// <summary>Ends a session or lease (everything held under it goes).</summary>
    Task RevokeAsync(long lease, CancellationToken cancellationToken);

    /// <summary>Acquires the mutex <paramref name="name"/> under <paramref name="lease"/>; waits until granted.</summary>
    Task<Held> LockAsync(string name, long lease, CancellationToken cancellationToken);

    /// <summary>Releases a grant of <see cref="LockAsync"/>.</summary>
    Task UnlockAsync(string name, Held grant, CancellationToken cancellationToken);

    /// <summary>Campaigns in the election <paramref name="name"/> under <paramref name="lease"/>; returns once leading.</summary>
    Task<Held> CampaignAsync(string name, long lease, string value, CancellationToken cancellationToken);

    /// <summary>Resigns a leadership of <see cref="CampaignAsync"/>.</summary>
    Task ResignAsync(string name, Held leadership, CancellationToken cancellationToken);

    /// <summary>How many candidates (leader included) the election has in the store: set-up only, to know that every
    /// standby is queued before a failover is timed.</summary>
    Task<long> CandidatesAsync(string name, CancellationToken cancellationToken);

    /// <summary>Enters the double barrier <paramref name="name"/> of <paramref name="count"/> participants under
    /// <paramref name="lease"/>; returns once the round is full, with what to dispose once the round is over (a
    /// client's entry handle), or null.</summary>
    Task<IAsyncDisposable?> EnterBarrierAsync(string name, long lease, int count, CancellationToken cancellationToken);

    /// <summary>How many participants have entered the double barrier's filling round: set-up only, to know that all but
    /// the last are waiting before the last one enters.</summary>
    Task<int> BarrierEnteredAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A lock grant or a leadership: the key that stands for it, its token (create revision), and whatever the
/// target's own API needs to release it.</summary>
internal sealed record Held(string Key, long Token, object? Native = null);

/// <summary>A kind of target: how to make a fresh one, and what to say about it in the table.</summary>
/// <param name="Name">The name in the table.</param>
/// <param name="Description">One line for the report: what runs where, over what.</param>
/// <param name="HasBarrier">False when the target has no double barrier (etcd has no barrier service).</param>
/// <param name="Create">Makes a fresh instance.</param>
internal sealed record TargetKind(string Name, string Description, bool HasBarrier, Func<CancellationToken, Task<ICoordTarget>> Create);
