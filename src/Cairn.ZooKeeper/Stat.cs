namespace Cairn.ZooKeeper;

/// <summary>A znode's metadata, as the server reports it.</summary>
/// <param name="Czxid">The zxid of the create.</param>
/// <param name="Mzxid">The zxid of the last data change.</param>
/// <param name="Ctime">When it was created, in milliseconds since the Unix epoch (the leader's clock).</param>
/// <param name="Mtime">When its data last changed, in milliseconds since the Unix epoch.</param>
/// <param name="Version">The data version: the number of data changes.</param>
/// <param name="Cversion">The child version: the number of child changes.</param>
/// <param name="Aversion">The ACL version.</param>
/// <param name="EphemeralOwner">The owning session of an ephemeral node; 0 for any other (containers and TTL nodes included).</param>
/// <param name="DataLength">The length of the data in bytes.</param>
/// <param name="NumChildren">The number of children.</param>
/// <param name="Pzxid">The zxid of the last child change.</param>
public sealed record Stat(
    long Czxid,
    long Mzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren,
    long Pzxid);
