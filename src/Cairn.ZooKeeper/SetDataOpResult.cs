namespace Cairn.ZooKeeper;

/// <summary>A set-data of a multi applied.</summary>
/// <param name="Stat">The node's metadata after the change.</param>
public sealed record SetDataOpResult(Stat Stat) : OpResult;
