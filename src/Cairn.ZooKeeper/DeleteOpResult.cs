namespace Cairn.ZooKeeper;

/// <summary>A delete of a multi applied.</summary>
public sealed record DeleteOpResult : OpResult;
