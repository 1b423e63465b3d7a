namespace Cairn.ZooKeeper.Import;

/// <summary>A member of zookeeper-exp1's buddy circle.</summary>
/// <param name="Name">Its znode's name, <c>n-</c> and ten digits of sequence (<c>n-0000000105</c>).</param>
/// <param name="Sequence">The sequence number: the order in which members joined.</param>
/// <param name="Data">Its znode's text: empty, or <c>last node: n-…</c> written to wake the first member when a member
/// joined.</param>
/// <param name="Buddy">The member it watches over: its predecessor, the first member's being the last; null when it is
/// alone.</param>
/// <param name="SessionId">The ZooKeeper session that owns its ephemeral znode (the member's process); the member
/// leaves the circle when that session ends.</param>
/// <param name="OpenTransactions">Work it registered as under way and has not cleared (the ids of the runs it was moving
/// to their next state), for its watcher to finish if it goes away.</param>
public sealed record OriginalPoolMember(string Name, int Sequence, string Data, string? Buddy, long SessionId, IReadOnlyList<string> OpenTransactions);
