namespace Cairn.ZooKeeper;

/// <summary>A watch firing, or (with <see cref="WatchEventKind.None"/>) a change of the client's state.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="State">The client's state when the event was raised.</param>
/// <param name="Path">The node's path, relative to the chroot; null for state changes.</param>
public sealed record WatchedEvent(WatchEventKind Kind, ZooKeeperState State, string? Path);
