namespace Cairn.ZooKeeper;

/// <summary>A znode's access control list and its metadata, read together.</summary>
/// <param name="Acl">Who may do what with the node.</param>
/// <param name="Stat">The metadata at the time of the read (<see cref="Stat.Aversion"/> counts ACL changes).</param>
public sealed record NodeAcl(IReadOnlyList<Acl> Acl, Stat Stat);
