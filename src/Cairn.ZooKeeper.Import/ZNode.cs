namespace Cairn.ZooKeeper.Import;

/// <summary>What the readers use of one znode.</summary>
/// <param name="Data">Its data (empty when it has none).</param>
/// <param name="CreatedZxid">The transaction that created it (<c>czxid</c>): orders znodes by creation.</param>
/// <param name="EphemeralOwner">The session that owns it when it is ephemeral; 0 when it is persistent.</param>
internal sealed record ZNode(ReadOnlyMemory<byte> Data, long CreatedZxid, long EphemeralOwner);
