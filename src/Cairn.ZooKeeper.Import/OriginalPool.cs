namespace Cairn.ZooKeeper.Import;

/// <summary>zookeeper-exp1's buddy circle: the pool of services and the work they left open.</summary>
/// <param name="Members">The members, in the order they joined.</param>
/// <param name="OrphanedTransactions">Open transactions of members that are gone (member name → items): work that a
/// buddy was to finish and did not.</param>
public sealed record OriginalPool(IReadOnlyList<OriginalPoolMember> Members, IReadOnlyDictionary<string, IReadOnlyList<string>> OrphanedTransactions);
