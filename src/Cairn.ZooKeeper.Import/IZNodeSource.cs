namespace Cairn.ZooKeeper.Import;

/// <summary>
/// What the readers need of ZooKeeper: a znode's children and its data, read-only. <see cref="ZooKeeperClientSource"/>
/// is the real one; tests of the layouts' parsing give a tree of their own.
/// </summary>
internal interface IZNodeSource
{
    /// <summary>The names of the children of <paramref name="path"/>, in no particular order; null when there is no such
    /// znode (it may have been removed since its parent was listed).</summary>
    Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken);

    /// <summary>The data and identity of <paramref name="path"/>; null when there is no such znode.</summary>
    Task<ZNode?> GetDataAsync(string path, CancellationToken cancellationToken);
}
