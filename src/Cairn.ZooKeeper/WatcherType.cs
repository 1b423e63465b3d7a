namespace Cairn.ZooKeeper;

/// <summary>Which watches <see cref="ZooKeeperClient.RemoveWatchesAsync"/> removes from a path.</summary>
public enum WatcherType
{
    /// <summary>Child watches (set by a get-children with watch).</summary>
    Children = 1,

    /// <summary>Data and exists watches (set by a get-data or an exists with watch).</summary>
    Data = 2,

    /// <summary>Every watch on the path, persistent ones included.</summary>
    Any = 3,
}
