namespace Cairn.Contracts;

/// <summary>The modes of a lock (<see cref="LockRequestDto.Mode"/>).</summary>
public static class LockModes
{
    /// <summary>A mutex: one holder.</summary>
    public const string Exclusive = "exclusive";

    /// <summary>The shared side of a read-write lock: any number of readers, while no writer holds or waits before them.</summary>
    public const string Read = "read";

    /// <summary>The exclusive side of a read-write lock.</summary>
    public const string Write = "write";

    /// <summary>A semaphore: up to <see cref="LockRequestDto.Permits"/> holders at once.</summary>
    public const string Semaphore = "semaphore";
}

/// <summary>The body of <c>POST /v1/locks/{name}</c> (acquire). The request waits until the lock is granted (or
/// <see cref="WaitSeconds"/> passes: 409, with nothing left behind), and the grant lives as long as <see cref="Lease"/>.</summary>
public sealed class LockRequestDto
{
    /// <summary>The session (a lease the caller keeps alive) the grant lives under.</summary>
    public long Lease { get; set; }

    /// <summary>One of <see cref="LockModes"/>; absent: <c>exclusive</c>. Every holder and waiter of one name uses one
    /// kind of lock (exclusive, read/write, or semaphore); another kind is a conflict.</summary>
    public string? Mode { get; set; }

    /// <summary>For a semaphore: how many holders at once (1–10,000); every acquire of the name must give the same.</summary>
    public int? Permits { get; set; }

    /// <summary>Who holds it, in words (shown in listings).</summary>
    public string? Owner { get; set; }

    /// <summary>Give up after this many seconds of waiting; absent: wait until granted or the caller leaves; 0: only try.</summary>
    public double? WaitSeconds { get; set; }
}

/// <summary>A holder of (or waiter for) a lock.</summary>
public sealed class LockGrantDto
{
    /// <summary>The lock's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The holder's key in the keyspace: the lock is held while this key exists with <see cref="Token"/> as its
    /// create revision.</summary>
    public string Key { get; set; } = "";

    /// <summary>The fencing token: the store revision at which the holder queued. Every later holder's token is larger. A
    /// resource guarded by the lock refuses a write whose token is lower than one it has seen, and a keyspace write is
    /// guarded by comparing <see cref="Key"/>'s create revision with it.</summary>
    public long Token { get; set; }

    /// <summary>See <see cref="LockModes"/>.</summary>
    public string Mode { get; set; } = LockModes.Exclusive;

    /// <summary>For a semaphore: its permits.</summary>
    public int Permits { get; set; } = 1;

    /// <summary>The session it lives under.</summary>
    public long Lease { get; set; }

    /// <summary>See <see cref="LockRequestDto.Owner"/>.</summary>
    public string? Owner { get; set; }

    /// <summary>True when it holds the lock; false while it waits.</summary>
    public bool Held { get; set; }
}

/// <summary>A lock's holders and waiters, in queue order.</summary>
public sealed class LockStateDto
{
    /// <summary>The lock's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Holders first, then waiters, in token order.</summary>
    public List<LockGrantDto> Queue { get; set; } = [];

    /// <summary>The store revision read.</summary>
    public long Revision { get; set; }
}

/// <summary>The body of <c>POST /v1/elections/{name}/campaign</c>. The request waits until the candidate leads.</summary>
public sealed class CampaignDto
{
    /// <summary>The session the leadership lives under.</summary>
    public long Lease { get; set; }

    /// <summary>The value the leader proclaims (e.g. its address); UTF-8, up to 64 KiB.</summary>
    public string Value { get; set; } = "";

    /// <summary>Give up after this many seconds; absent: wait until leading or the caller leaves.</summary>
    public double? WaitSeconds { get; set; }
}

/// <summary>A leader (or candidate) of an election.</summary>
public sealed class LeaderDto
{
    /// <summary>The election's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The candidate's key; with <see cref="Token"/> it names the leadership in proclaim and resign.</summary>
    public string Key { get; set; } = "";

    /// <summary>The create revision of the key: the leadership's fencing token, larger for every later leader.</summary>
    public long Token { get; set; }

    /// <summary>The session it lives under.</summary>
    public long Lease { get; set; }

    /// <summary>The proclaimed value.</summary>
    public string Value { get; set; } = "";

    /// <summary>The store revision of the value's last change (or of the leader change, in an observation).</summary>
    public long Revision { get; set; }
}

/// <summary>The body of <c>POST /v1/elections/{name}/proclaim</c> and <c>/resign</c>: which leadership, and the new value.</summary>
public sealed class LeadershipDto
{
    /// <summary>See <see cref="LeaderDto.Key"/>.</summary>
    public string Key { get; set; } = "";

    /// <summary>See <see cref="LeaderDto.Token"/>.</summary>
    public long Token { get; set; }

    /// <summary>For proclaim: the new value.</summary>
    public string? Value { get; set; }
}

/// <summary>A double barrier's participant, as <c>POST /v1/barriers/{name}/enter</c> answers once the round is full.</summary>
public sealed class BarrierEntryDto
{
    /// <summary>The barrier's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The round the participant entered (1, 2, …): a round lets through exactly <see cref="Count"/>
    /// participants; later arrivals wait for the next.</summary>
    public long Round { get; set; }

    /// <summary>The participant's id in the round.</summary>
    public string Participant { get; set; } = "";

    /// <summary>How many participants a round takes.</summary>
    public int Count { get; set; }

    /// <summary>The session it lives under.</summary>
    public long Lease { get; set; }
}

/// <summary>The body of <c>POST /v1/barriers/{name}/enter</c>.</summary>
public sealed class EnterBarrierDto
{
    /// <summary>The session it lives under.</summary>
    public long Lease { get; set; }

    /// <summary>How many participants a round takes (2–10,000); every participant of a round gives the same.</summary>
    public int Count { get; set; }

    /// <summary>Give up after this many seconds; absent: wait.</summary>
    public double? WaitSeconds { get; set; }
}

/// <summary>A simple barrier's state: held (waiters block) or not.</summary>
public sealed class BarrierStateDto
{
    /// <summary>The barrier's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>True while it is held.</summary>
    public bool Held { get; set; }

    /// <summary>For a double barrier: the current round and who is in it.</summary>
    public long? Round { get; set; }

    /// <summary>For a double barrier: the participants of the current round.</summary>
    public List<string>? Participants { get; set; }

    /// <summary>The store revision read.</summary>
    public long Revision { get; set; }
}

/// <summary>An item of a queue.</summary>
public sealed class QueueItemDto
{
    /// <summary>The queue's name.</summary>
    public string Queue { get; set; } = "";

    /// <summary>The item's id: its key's last segment, in enqueue order.</summary>
    public string Id { get; set; } = "";

    /// <summary>The item's value (UTF-8, up to the value limit).</summary>
    public string Value { get; set; } = "";

    /// <summary>The store revision that enqueued it.</summary>
    public long Revision { get; set; }

    /// <summary>How many times it has been delivered (1 on its first delivery; more after a consumer died or gave it back).</summary>
    public int Deliveries { get; set; }

    /// <summary>While delivered: the session of the consumer that holds it.</summary>
    public long? Lease { get; set; }
}

/// <summary>The body of <c>POST /v1/queues/{name}/dequeue</c>.</summary>
public sealed class DequeueDto
{
    /// <summary>The consumer's session: the item is its until acknowledged, and goes back to the queue if the session
    /// ends first (at-least-once delivery).</summary>
    public long Lease { get; set; }

    /// <summary>Wait this many seconds for an item; absent: wait until one comes or the caller leaves; 0: only try (204 when empty).</summary>
    public double? WaitSeconds { get; set; }
}

/// <summary>A queue's length.</summary>
public sealed class QueueStateDto
{
    /// <summary>The queue's name.</summary>
    public string Queue { get; set; } = "";

    /// <summary>Items waiting to be delivered.</summary>
    public int Ready { get; set; }

    /// <summary>Items delivered and not yet acknowledged.</summary>
    public int InFlight { get; set; }

    /// <summary>The store revision read.</summary>
    public long Revision { get; set; }
}

/// <summary>The body of <c>POST /v1/queues/{name}</c>.</summary>
public sealed class EnqueueItemDto
{
    /// <summary>See <see cref="QueueItemDto.Value"/>.</summary>
    public string Value { get; set; } = "";
}
