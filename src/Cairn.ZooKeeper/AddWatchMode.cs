namespace Cairn.ZooKeeper;

/// <summary>The kind of watch <see cref="ZooKeeperClient.AddWatchAsync"/> sets; it stays until removed.</summary>
public enum AddWatchMode
{
    /// <summary>Data and child changes of the node itself (created, deleted, data changed, children changed).</summary>
    Persistent = 0,

    /// <summary>Created, deleted and data-changed events of the node and every node below it (no children-changed events).</summary>
    PersistentRecursive = 1,
}
