namespace Cairn.ZooKeeper;

/// <summary>One entry of a znode's access control list: an identity and what it may do.</summary>
/// <param name="Perms">The permissions granted.</param>
/// <param name="Id">The identity they are granted to.</param>
public sealed record Acl(AclPermissions Perms, ZooKeeperId Id)
{
    /// <summary>Everything for everyone (<c>world:anyone</c>): the usual ACL of nodes that need no protection.</summary>
    public static IReadOnlyList<Acl> OpenUnsafe { get; } = [new Acl(AclPermissions.All, new ZooKeeperId("world", "anyone"))];

    /// <summary>Everything for the identities the creating session has authenticated as (<c>auth:</c>); the session must have some.</summary>
    public static IReadOnlyList<Acl> CreatorAll { get; } = [new Acl(AclPermissions.All, new ZooKeeperId("auth", ""))];

    /// <summary>An ACL granting <paramref name="perms"/> to the <c>digest</c> identity of <paramref name="user"/> with <paramref name="password"/>.</summary>
    /// <param name="user">The user name; it must not contain a colon.</param>
    /// <param name="password">The password; only its hash goes into the ACL.</param>
    /// <param name="perms">What the user may do.</param>
    /// <returns>A one-entry ACL.</returns>
    public static IReadOnlyList<Acl> Digest(string user, string password, AclPermissions perms = AclPermissions.All) =>
        [new Acl(perms, new ZooKeeperId("digest", DigestId.Of(user, password)))];
}
