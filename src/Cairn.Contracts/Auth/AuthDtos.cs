namespace Cairn.Contracts;

/// <summary>The resource families a permission names, and the actions on each (<see cref="PermissionDto"/>).</summary>
public static class AuthResources
{
    /// <summary>Keys of the keyspace API (<c>/v1/kv</c>, <c>/v1/txn</c>, <c>/v1/watch</c>): <c>read</c>, <c>write</c>; by key,
    /// prefix or range, as etcd.</summary>
    public const string Kv = "kv";

    /// <summary>Leases: <c>read</c> (list, time to live), <c>write</c> (grant, keep alive, revoke).</summary>
    public const string Leases = "leases";

    /// <summary>The journal, native and compat: <c>read</c>, <c>append</c>; by transaction id prefix.</summary>
    public const string Journal = "journal";

    /// <summary>Blobs, native and Pulzar compat: <c>read</c>, <c>write</c>; by blob key prefix.</summary>
    public const string Blobs = "blobs";

    /// <summary>Extensions: <c>call</c>; by extension name.</summary>
    public const string Extensions = "extensions";

    /// <summary>Jobs: <c>read</c>, <c>launch</c>, <c>cancel</c>, <c>work</c> (a worker taking jobs); by script name prefix.</summary>
    public const string Jobs = "jobs";

    /// <summary>Runs, native and compat: <c>read</c>, <c>write</c>; by run id prefix.</summary>
    public const string Runs = "runs";

    /// <summary>Pools: <c>read</c>, <c>write</c> (join, leave); by pool name prefix.</summary>
    public const string Pools = "pools";

    /// <summary>Coordination recipes (locks, barriers, elections, queues): <c>read</c>, <c>write</c>; by name prefix.</summary>
    public const string Locks = "locks";

    /// <summary>Carts, native and cartd compat: <c>read</c>, <c>write</c>; by cart id prefix.</summary>
    public const string Carts = "carts";

    /// <summary>Administration: <c>status</c> (status, metrics, cluster, volumes), <c>snapshot</c>, <c>restore</c>,
    /// <c>compaction</c>, <c>users</c> (users, roles, tokens, auth enable/disable), <c>volumes</c> (rebuild, drain).</summary>
    public const string Admin = "admin";

    /// <summary>Node-to-node traffic (<c>/v1/internal/…</c>): <c>read</c>. Only nodes hold it.</summary>
    public const string Internal = "internal";

    /// <summary>Every resource and its actions.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Actions { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Kv] = ["read", "write"],
        [Leases] = ["read", "write"],
        [Journal] = ["read", "append"],
        [Blobs] = ["read", "write"],
        [Extensions] = ["call"],
        [Jobs] = ["read", "launch", "cancel", "work"],
        [Runs] = ["read", "write"],
        [Pools] = ["read", "write"],
        [Locks] = ["read", "write"],
        [Carts] = ["read", "write"],
        [Admin] = ["status", "snapshot", "restore", "compaction", "users", "volumes"],
        [Internal] = ["read"],
    };

    /// <summary>Resources whose permissions take no name (a permission on them covers the whole resource).</summary>
    public static IReadOnlySet<string> Unnamed { get; } = new HashSet<string>(StringComparer.Ordinal) { Leases, Admin, Internal };
}

/// <summary>
/// One grant of a role: <see cref="Actions"/> on <see cref="Resource"/> for the names <see cref="Key"/> covers. A name is
/// covered when it equals <see cref="Key"/>; with <see cref="Prefix"/>, when it starts with it (the empty prefix is every
/// name); with <see cref="RangeEnd"/> (kv only, as etcd), when it is in <c>[Key, RangeEnd)</c> by UTF-8 bytes.
/// </summary>
public sealed class PermissionDto
{
    /// <summary>The resource family (<see cref="AuthResources"/>).</summary>
    public string Resource { get; set; } = "";

    /// <summary>The actions granted; <c>*</c> is every action of the resource.</summary>
    public List<string> Actions { get; set; } = [];

    /// <summary>The key or name, or the prefix with <see cref="Prefix"/>; ignored for unnamed resources.</summary>
    public string Key { get; set; } = "";

    /// <summary>Whether <see cref="Key"/> is a prefix.</summary>
    public bool Prefix { get; set; }

    /// <summary>The exclusive end of a key range (kv only); null for a key or prefix.</summary>
    public string? RangeEnd { get; set; }
}

/// <summary>A role: a name and its permissions. <c>root</c> is built in and grants everything.</summary>
public sealed class RoleDto
{
    /// <summary>The role's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>What the role grants.</summary>
    public List<PermissionDto> Permissions { get; set; } = [];
}

/// <summary><c>GET /v1/auth/roles</c>.</summary>
public sealed class RoleListDto
{
    /// <summary>Every role, by name.</summary>
    public List<RoleDto> Roles { get; set; } = [];
}

/// <summary><c>POST /v1/auth/roles/{role}/permissions</c> (grant) and <c>…/permissions/revoke</c> (revoke): the permissions
/// to add to or take from a role.</summary>
public sealed class PermissionChangeDto
{
    /// <summary>The permissions.</summary>
    public List<PermissionDto> Permissions { get; set; } = [];
}

/// <summary>A user, as the API shows it (never with its password hash).</summary>
public sealed class UserDto
{
    /// <summary>The user's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its roles.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>Whether it can log in with a password (a user made for a certificate or a Unix account may have none).</summary>
    public bool HasPassword { get; set; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary><c>GET /v1/auth/users</c>.</summary>
public sealed class UserListDto
{
    /// <summary>Every user, by name.</summary>
    public List<UserDto> Users { get; set; } = [];
}

/// <summary><c>POST /v1/auth/users</c>: a new user.</summary>
public sealed class CreateUserDto
{
    /// <summary>The name: 1–128 of letters, digits, <c>. _ @ -</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its password; null for a user that logs in only by certificate, Unix account or API token.</summary>
    public string? Password { get; set; }

    /// <summary>Roles to give it at once.</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary><c>PUT /v1/auth/users/{user}/password</c>: a new password (every login token of the user ends).</summary>
public sealed class PasswordDto
{
    /// <summary>The new password; null removes it.</summary>
    public string? Password { get; set; }
}

/// <summary><c>POST /v1/auth/users/{user}/roles</c> (grant) and <c>DELETE /v1/auth/users/{user}/roles/{role}</c> (revoke).</summary>
public sealed class GrantRoleDto
{
    /// <summary>The role to grant.</summary>
    public string Role { get; set; } = "";
}

/// <summary><c>POST /v1/auth/login</c>: a user's name and password, exchanged for a short-lived bearer token.</summary>
public sealed class LoginDto
{
    /// <summary>The user.</summary>
    public string User { get; set; } = "";

    /// <summary>Its password.</summary>
    public string Password { get; set; } = "";
}

/// <summary>A bearer token and when it stops working: the answer to a login, and to making an API token.</summary>
public sealed class TokenResultDto
{
    /// <summary>The token, sent as <c>Authorization: Bearer …</c>. Shown only here: the server keeps only its hash.</summary>
    public string Token { get; set; } = "";

    /// <summary>Its id (to revoke it).</summary>
    public string Id { get; set; } = "";

    /// <summary>The user it acts as.</summary>
    public string User { get; set; } = "";

    /// <summary>When it expires; null for an API token without expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary><c>POST /v1/auth/tokens</c>: a new API token, for a service.</summary>
public sealed class CreateTokenDto
{
    /// <summary>The user it acts as.</summary>
    public string User { get; set; } = "";

    /// <summary>A label, to tell tokens apart in listings (e.g. the service's name).</summary>
    public string Name { get; set; } = "";

    /// <summary>How long it is valid (a duration: <c>90d</c>, <c>12h</c>); null for no expiry.</summary>
    public string? Ttl { get; set; }
}

/// <summary>An API token or login session as listed (never the token itself).</summary>
public sealed class TokenDto
{
    /// <summary>Its id.</summary>
    public string Id { get; set; } = "";

    /// <summary><c>api</c> (made with <c>POST /v1/auth/tokens</c>) or <c>login</c> (made by a login).</summary>
    public string Kind { get; set; } = "";

    /// <summary>The user it acts as.</summary>
    public string User { get; set; } = "";

    /// <summary>Its label (API tokens).</summary>
    public string Name { get; set; } = "";

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it expires; null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary><c>GET /v1/auth/tokens</c>.</summary>
public sealed class TokenListDto
{
    /// <summary>The tokens.</summary>
    public List<TokenDto> Tokens { get; set; } = [];
}

/// <summary><c>GET /v1/auth/status</c>: whether auth is on, and who the caller is.</summary>
public sealed class AuthStatusDto
{
    /// <summary>Whether authentication and authorization are enforced.</summary>
    public bool Enabled { get; set; }

    /// <summary>The caller's name (<c>anonymous</c> when it sent no credential).</summary>
    public string User { get; set; } = "";

    /// <summary>How the caller was recognised: <c>token</c>, <c>api-token</c>, <c>password</c>, <c>certificate</c>,
    /// <c>peer</c> (Unix socket peer credentials), <c>node</c>, <c>listener</c> (a listener's anonymous role), <c>none</c>.</summary>
    public string Via { get; set; } = "";

    /// <summary>The caller's roles.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>The revision of the auth settings this node has applied.</summary>
    public long Revision { get; set; }
}
