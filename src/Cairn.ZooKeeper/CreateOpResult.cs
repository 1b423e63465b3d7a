namespace Cairn.ZooKeeper;

/// <summary>A create of a multi applied.</summary>
/// <param name="Path">The created node's path relative to the chroot, with the sequential suffix if any.</param>
public sealed record CreateOpResult(string Path) : OpResult;
