namespace Cairn.ZooKeeper;

/// <summary>What an ACL entry allows; the values are the protocol's permission bits.</summary>
[Flags]
public enum AclPermissions
{
    /// <summary>Get data and list children.</summary>
    Read = 1,

    /// <summary>Set data.</summary>
    Write = 2,

    /// <summary>Create children.</summary>
    Create = 4,

    /// <summary>Delete children.</summary>
    Delete = 8,

    /// <summary>Set the ACL.</summary>
    Admin = 16,

    /// <summary>Every permission.</summary>
    All = Read | Write | Create | Delete | Admin,
}
