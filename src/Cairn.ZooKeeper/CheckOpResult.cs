namespace Cairn.ZooKeeper;

/// <summary>A check of a multi held.</summary>
public sealed record CheckOpResult : OpResult;
