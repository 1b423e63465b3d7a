namespace Cairn.ZooKeeper.Import;

/// <summary>The readers' view of a <see cref="ZooKeeperClient"/>: children and data, read without watches, a znode that
/// does not exist (or no longer does) as null. Every other error of the client is thrown as it is.</summary>
internal sealed class ZooKeeperClientSource(ZooKeeperClient client) : IZNodeSource
{
    public async Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetChildrenAsync(path, watch: false, cancellationToken).ConfigureAwait(false)).Children;
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    public async Task<ZNode?> GetDataAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var node = await client.GetDataAsync(path, watch: false, cancellationToken).ConfigureAwait(false);
            return new ZNode(node.Data, node.Stat.Czxid, node.Stat.EphemeralOwner);
        }
        catch (NoNodeException)
        {
            return null;
        }
    }
}
