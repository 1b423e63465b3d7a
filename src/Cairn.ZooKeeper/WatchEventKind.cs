namespace Cairn.ZooKeeper;

/// <summary>What a <see cref="WatchedEvent"/> reports; the values are the protocol's event types.</summary>
public enum WatchEventKind
{
    /// <summary>Not a node event: the client's <see cref="WatchedEvent.State"/> changed.</summary>
    None = -1,

    /// <summary>The node was created (an exists watch, or a persistent watch).</summary>
    NodeCreated = 1,

    /// <summary>The node was deleted.</summary>
    NodeDeleted = 2,

    /// <summary>The node's data was set.</summary>
    NodeDataChanged = 3,

    /// <summary>A child was created or deleted.</summary>
    NodeChildrenChanged = 4,

    /// <summary>The node's data (or exists) watch was removed by <see cref="ZooKeeperClient.RemoveWatchesAsync"/>.</summary>
    DataWatchRemoved = 5,

    /// <summary>The node's child watch was removed by <see cref="ZooKeeperClient.RemoveWatchesAsync"/>.</summary>
    ChildWatchRemoved = 6,

    /// <summary>A persistent watch on the node was removed by <see cref="ZooKeeperClient.RemoveWatchesAsync"/>.</summary>
    PersistentWatchRemoved = 7,
}
