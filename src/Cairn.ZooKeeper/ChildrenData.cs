namespace Cairn.ZooKeeper;

/// <summary>A znode's children's names (not paths, in no particular order) and the node's metadata, read together.</summary>
/// <param name="Children">The children's names.</param>
/// <param name="Stat">The parent's metadata at the time of the read.</param>
public sealed record ChildrenData(IReadOnlyList<string> Children, Stat Stat);
