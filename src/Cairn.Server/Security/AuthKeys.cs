namespace Cairn.Server.Security;

/// <summary>Where the auth settings live in the keyspace. Keys under <see cref="Root"/> are root's alone through the kv API.</summary>
internal static class AuthKeys
{
    /// <summary>Every auth key starts with this.</summary>
    public const string Root = "/cairn/auth/";

    /// <summary>Present (value <c>on</c>) while auth is enabled.</summary>
    public const string Enabled = Root + "enabled";

    /// <summary>The node credential (a random token; nodes send it to each other).</summary>
    public const string NodeToken = Root + "node";

    /// <summary><c>users/&lt;name&gt;</c>: a user (JSON: bcrypt hash, roles, created).</summary>
    public const string Users = Root + "users/";

    /// <summary><c>roles/&lt;name&gt;</c>: a role (JSON: permissions).</summary>
    public const string Roles = Root + "roles/";

    /// <summary><c>tokens/&lt;id&gt;</c>: an API token or login session (JSON: kind, user, SHA-256 of the token, expiry). A
    /// login session is under a lease of its TTL, so it goes away by itself.</summary>
    public const string Tokens = Root + "tokens/";
}
