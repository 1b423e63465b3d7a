namespace Cairn.Contracts;

/// <summary>
/// A member of a pool (zookeeper-exp1's buddy circle). Members are ordered by the revision at which they joined; each
/// one's buddy is its predecessor, the first's the last; a member watches its buddy and takes over its in-flight items
/// when it dies.
/// </summary>
public sealed class PoolMemberDto
{
    /// <summary>The pool.</summary>
    public string Pool { get; set; } = "";

    /// <summary>The member's id, unique in the pool and never reused: <c>m-</c> and 16 hex digits.</summary>
    public string Id { get; set; } = "";

    /// <summary>A name the member gave itself (e.g. host:port), if any.</summary>
    public string? Name { get; set; }

    /// <summary>The session (lease) the membership lives under: when it ends, the member has left.</summary>
    public long Lease { get; set; }

    /// <summary>The store revision at which it joined: its place in the circle.</summary>
    public long JoinRevision { get; set; }

    /// <summary>When it joined (UTC).</summary>
    public DateTimeOffset JoinedAt { get; set; }

    /// <summary>Its buddy (the member it watches), null when alone. Filled in listings.</summary>
    public string? Buddy { get; set; }

    /// <summary>How many in-flight items it holds. Filled in listings.</summary>
    public int InFlight { get; set; }
}

/// <summary>The body of <c>POST /v1/pools/{pool}/members</c>.</summary>
public sealed class JoinPoolDto
{
    /// <summary>The session to join under (a lease the caller keeps alive).</summary>
    public long Lease { get; set; }

    /// <summary>See <see cref="PoolMemberDto.Name"/>.</summary>
    public string? Name { get; set; }
}

/// <summary>A pool's members in join order.</summary>
public sealed class PoolDto
{
    /// <summary>The pool.</summary>
    public string Pool { get; set; } = "";

    /// <summary>The members, in join order, with buddies.</summary>
    public List<PoolMemberDto> Members { get; set; } = [];

    /// <summary>Members that are gone → their in-flight items nobody has taken over yet.</summary>
    public Dictionary<string, List<string>> Orphaned { get; set; } = [];

    /// <summary>The store revision read.</summary>
    public long Revision { get; set; }
}

/// <summary>An in-flight item (<c>transactions/&lt;member&gt;/&lt;item&gt;</c>).</summary>
public sealed class PoolItemDto
{
    /// <summary>The pool.</summary>
    public string Pool { get; set; } = "";

    /// <summary>The member that holds it now.</summary>
    public string Member { get; set; } = "";

    /// <summary>The item's id (same rules as a run id).</summary>
    public string Item { get; set; } = "";

    /// <summary>What the item is (UTF-8 text, up to 64 KiB), for whoever finishes it.</summary>
    public string Value { get; set; } = "";

    /// <summary>The member it was taken over from, when it was.</summary>
    public string? From { get; set; }

    /// <summary>The store revision of its last move.</summary>
    public long ModRevision { get; set; }
}

/// <summary>The body of <c>PUT /v1/pools/{pool}/members/{member}/items/{item}</c>.</summary>
public sealed class PutPoolItemDto
{
    /// <summary>See <see cref="PoolItemDto.Value"/>.</summary>
    public string Value { get; set; } = "";
}

/// <summary>A change in a pool or, on a member's own stream, what concerns that member.</summary>
public sealed class PoolEventDto
{
    /// <summary>One of <see cref="PoolEventTypes"/>.</summary>
    public string Type { get; set; } = "";

    /// <summary>The store revision of the change.</summary>
    public long Revision { get; set; }

    /// <summary>The pool.</summary>
    public string Pool { get; set; } = "";

    /// <summary>The member the event is about (who joined, left; whose buddy changed; who took over).</summary>
    public string? Member { get; set; }

    /// <summary>For <c>buddy</c>: the new buddy (null when alone).</summary>
    public string? Buddy { get; set; }

    /// <summary>For <c>takeover</c>: the dead member the items came from.</summary>
    public string? From { get; set; }

    /// <summary>For <c>takeover</c>: the items now held by <see cref="Member"/>.</summary>
    public List<PoolItemDto>? Items { get; set; }
}

/// <summary>The values of <see cref="PoolEventDto.Type"/>.</summary>
public static class PoolEventTypes
{
    /// <summary>A member joined.</summary>
    public const string Joined = "joined";

    /// <summary>A member left (left, or its session ended).</summary>
    public const string Left = "left";

    /// <summary>A member's buddy changed (member streams only).</summary>
    public const string Buddy = "buddy";

    /// <summary>A member took over a dead member's in-flight items (exactly once per item).</summary>
    public const string Takeover = "takeover";

    /// <summary>The member's own session ended: it is no longer in the pool and must rejoin under a new id (member
    /// streams only; the stream ends after it).</summary>
    public const string Lost = "lost";
}
