namespace Cairn.ZooKeeper;

/// <summary>A znode's data and its metadata, read together.</summary>
/// <param name="Data">The data (empty when the node has none).</param>
/// <param name="Stat">The metadata at the time of the read.</param>
public sealed record NodeData(byte[] Data, Stat Stat);
