using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>A user as a node knows it, with its roles' permissions compiled.</summary>
/// <param name="Record">The stored user.</param>
/// <param name="CreateRevision">The create revision of its key (tokens are bound to it).</param>
/// <param name="ModRevision">The mod revision of its key.</param>
/// <param name="Grants">Its roles' permissions, merged.</param>
internal sealed record UserEntry(UserRecord Record, long CreateRevision, long ModRevision, Grants Grants);

/// <summary>A role as a node knows it.</summary>
/// <param name="Record">The stored role.</param>
/// <param name="ModRevision">The mod revision of its key.</param>
/// <param name="Grants">Its permissions, compiled.</param>
internal sealed record RoleEntry(RoleRecord Record, long ModRevision, Grants Grants);

/// <summary>A token as a node knows it.</summary>
/// <param name="Record">The stored token.</param>
/// <param name="Hash">The SHA-256 of the token, as bytes (for a constant-time compare).</param>
internal sealed record TokenEntry(TokenRecord Record, byte[] Hash);

/// <summary>
/// One node's copy of the auth settings at one revision: immutable, replaced whole by <see cref="AccessControl"/> on
/// every change, so a check reads one consistent state without a lock.
/// </summary>
internal sealed class AuthSnapshot
{
    private readonly ConcurrentDictionary<string, Grants> _combined = new(StringComparer.Ordinal);

    private AuthSnapshot(
        bool loaded,
        long revision,
        bool enabled,
        string? nodeToken,
        ImmutableDictionary<string, UserEntry> users,
        ImmutableDictionary<string, RoleEntry> roles,
        ImmutableDictionary<string, TokenEntry> tokensById,
        ImmutableDictionary<string, TokenEntry> tokensByHash)
    {
        Loaded = loaded;
        Revision = revision;
        Enabled = enabled;
        NodeToken = nodeToken;
        NodeTokenHash = nodeToken is null ? null : Convert.FromHexString(BearerTokens.Hash(nodeToken));
        Users = users;
        Roles = roles;
        TokensById = tokensById;
        TokensByHash = tokensByHash;
    }

    /// <summary>The state before anything is loaded: auth counts as on, and no one authenticates.</summary>
    public static AuthSnapshot Unloaded { get; } = new(
        false, 0, true, null,
        ImmutableDictionary.Create<string, UserEntry>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, RoleEntry>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, TokenEntry>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, TokenEntry>(StringComparer.Ordinal));

    /// <summary>Whether this was read from the keyspace (false only for <see cref="Unloaded"/>).</summary>
    public bool Loaded { get; }

    /// <summary>The revision up to which every change under <c>/cairn/auth/</c> is in this copy.</summary>
    public long Revision { get; }

    /// <summary>Whether auth is on.</summary>
    public bool Enabled { get; }

    /// <summary>The node credential; null before auth was first enabled.</summary>
    public string? NodeToken { get; }

    /// <summary>The SHA-256 of <see cref="NodeToken"/>.</summary>
    public byte[]? NodeTokenHash { get; }

    /// <summary>The users, by name.</summary>
    public ImmutableDictionary<string, UserEntry> Users { get; }

    /// <summary>The stored roles, by name (not the built-in root).</summary>
    public ImmutableDictionary<string, RoleEntry> Roles { get; }

    /// <summary>API tokens and login sessions, by id.</summary>
    public ImmutableDictionary<string, TokenEntry> TokensById { get; }

    /// <summary>API tokens and login sessions, by the hex SHA-256 of the token.</summary>
    public ImmutableDictionary<string, TokenEntry> TokensByHash { get; }

    /// <summary>The permissions of several roles together (and of a user's roles when <paramref name="user"/> is given):
    /// compiled once per snapshot for each combination asked for.</summary>
    public Grants GrantsOf(UserEntry? user, IReadOnlyList<string> roles)
    {
        if (roles.Count == 0)
        {
            return user?.Grants ?? Grants.None;
        }

        if (user is null && roles.Count == 1)
        {
            return GrantsOfRole(roles[0]);
        }

        var key = (user is null ? "" : user.Record.Name) + "\n" + string.Join('\n', roles);
        return _combined.GetOrAdd(key, static (_, state) => state.Self.Combine(state.User, state.Roles), (Self: this, User: user, Roles: roles));
    }

    /// <summary>The permissions of one role (root: all; an unknown role: none).</summary>
    public Grants GrantsOfRole(string role) =>
        role == AuthStore.RootRole ? Grants.All : Roles.TryGetValue(role, out var entry) ? entry.Grants : Grants.None;

    private Grants Combine(UserEntry? user, IReadOnlyList<string> roles)
    {
        var names = roles.Concat(user?.Record.Roles ?? []).Distinct(StringComparer.Ordinal).ToList();
        return names.Contains(AuthStore.RootRole)
            ? Grants.All
            : Grants.Compile(names.SelectMany(r => Roles.TryGetValue(r, out var entry) ? entry.Record.Permissions : []));
    }

    /// <summary>The copy read at <paramref name="revision"/> from <paramref name="kvs"/> (every key under <c>/cairn/auth/</c>).</summary>
    public static AuthSnapshot Load(long revision, IEnumerable<KeyValue> kvs) =>
        Unloaded.With(revision, kvs.Select(kv => new WatchEvent(WatchEventType.Put, kv)), loaded: true, out _);

    /// <summary>This copy with <paramref name="events"/> applied, as of <paramref name="revision"/>; <paramref name="changed"/>
    /// tells whose principals the change ends.</summary>
    public AuthSnapshot With(long revision, IEnumerable<WatchEvent> events, bool loaded, out Changes changed)
    {
        changed = new Changes();
        var enabled = Enabled && Loaded;
        var node = NodeToken;
        var users = Users.ToBuilder();
        var roles = Roles.ToBuilder();
        var byId = TokensById.ToBuilder();
        var byHash = TokensByHash.ToBuilder();
        foreach (var e in events)
        {
            var key = e.Kv.Key;
            var put = e.Type == WatchEventType.Put;
            if (key == AuthKeys.Enabled)
            {
                if (enabled && !put)
                {
                    changed.All = true;
                }

                enabled = put;
            }
            else if (key == AuthKeys.NodeToken)
            {
                var token = put ? Encoding.UTF8.GetString(e.Kv.Value.Span).Trim() : null;
                node = token is not null && BearerTokens.KindOf(token) == TokenKinds.Node ? token : null;
                changed.Node = true;
            }
            else if (NameAfter(key, AuthKeys.Users) is { } user)
            {
                var record = put ? AuthJson.Decode(e.Kv.Value.Span, AuthJson.Default.UserRecord) : null;
                if (record is not null && record.Name == user)
                {
                    users[user] = new UserEntry(record, e.Kv.CreateRevision, e.Kv.ModRevision, Grants.None);
                }
                else
                {
                    users.Remove(user);
                }

                changed.Users.Add(user);
            }
            else if (NameAfter(key, AuthKeys.Roles) is { } role)
            {
                var record = put ? AuthJson.Decode(e.Kv.Value.Span, AuthJson.Default.RoleRecord) : null;
                if (record is not null && record.Name == role && role != AuthStore.RootRole)
                {
                    roles[role] = new RoleEntry(record, e.Kv.ModRevision, Grants.Compile(record.Permissions.Where(IsWellFormed)));
                }
                else
                {
                    roles.Remove(role);
                }

                changed.Roles.Add(role);
            }
            else if (NameAfter(key, AuthKeys.Tokens) is { } id)
            {
                if (byId.TryGetValue(id, out var old))
                {
                    byId.Remove(id);
                    byHash.Remove(old.Record.Sha256);
                }

                var record = put ? AuthJson.Decode(e.Kv.Value.Span, AuthJson.Default.TokenRecord) : null;
                if (record is not null && record.Id == id && record.Sha256 is { Length: 64 } && IsHex(record.Sha256)
                    && record.Kind is TokenKinds.Login or TokenKinds.Api && !byHash.ContainsKey(record.Sha256))
                {
                    var entry = new TokenEntry(record, Convert.FromHexString(record.Sha256));
                    byId[id] = entry;
                    byHash[record.Sha256] = entry;
                }

                changed.Tokens.Add(id);
            }
        }

        // A user's permissions depend on its roles: recompile the users that changed, and every holder of a role that did.
        foreach (var role in changed.Roles)
        {
            foreach (var holder in Users.Values.Concat(users.Values).Where(u => u.Record.Roles.Contains(role)))
            {
                changed.Users.Add(holder.Record.Name);
            }
        }

        var rolesNow = roles.ToImmutable();
        foreach (var name in changed.Users.Where(users.ContainsKey).ToList())
        {
            var entry = users[name];
            users[name] = entry with { Grants = Compile(entry.Record, rolesNow) };
        }

        return new AuthSnapshot(loaded, revision, enabled, node, users.ToImmutable(), rolesNow, byId.ToImmutable(), byHash.ToImmutable());
    }

    /// <summary>What changed between <paramref name="older"/> and <paramref name="newer"/> (after a reload, when the events
    /// between them are not known).</summary>
    public static Changes Diff(AuthSnapshot older, AuthSnapshot newer)
    {
        var changed = new Changes { All = older.Enabled && !newer.Enabled, Node = older.NodeToken != newer.NodeToken };
        foreach (var (name, user) in older.Users)
        {
            if (!newer.Users.TryGetValue(name, out var now) || now.ModRevision != user.ModRevision)
            {
                changed.Users.Add(name);
            }
        }

        foreach (var (name, role) in older.Roles)
        {
            if (!newer.Roles.TryGetValue(name, out var now) || now.ModRevision != role.ModRevision)
            {
                foreach (var holder in older.Users.Values.Where(u => u.Record.Roles.Contains(name)))
                {
                    changed.Users.Add(holder.Record.Name);
                }
            }
        }

        foreach (var (id, token) in older.TokensById)
        {
            if (!newer.TokensById.TryGetValue(id, out var now) || now.Record != token.Record)
            {
                changed.Tokens.Add(id);
            }
        }

        return changed;
    }

    private static Grants Compile(UserRecord user, ImmutableDictionary<string, RoleEntry> roles) =>
        user.Roles.Contains(AuthStore.RootRole)
            ? Grants.All
            : user.Roles.Count == 1 && roles.TryGetValue(user.Roles[0], out var only)
                ? only.Grants
                : Grants.Compile(user.Roles.SelectMany(r => roles.TryGetValue(r, out var entry) ? entry.Record.Permissions.Where(IsWellFormed) : []));

    // A stored permission that does not pass the API's checks (written by hand) grants nothing rather than something odd.
    private static bool IsWellFormed(PermissionRecord permission)
    {
        try
        {
            var again = PermissionRules.Normalize(PermissionRules.ToDto(permission));
            return again.SameNames(permission) && again.Actions.SequenceEqual(permission.Actions);
        }
        catch (CairnException)
        {
            return false;
        }
    }

    private static string? NameAfter(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length && key.IndexOf('/', prefix.Length) < 0
            ? key[prefix.Length..]
            : null;

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigitLower);

    /// <summary>Whose principals a change ends.</summary>
    internal sealed class Changes
    {
        /// <summary>Everyone's (auth was turned off).</summary>
        public bool All { get; set; }

        /// <summary>The node credential's.</summary>
        public bool Node { get; set; }

        /// <summary>These users' (their record or one of their roles changed).</summary>
        public HashSet<string> Users { get; } = new(StringComparer.Ordinal);

        /// <summary>These roles changed.</summary>
        public HashSet<string> Roles { get; } = new(StringComparer.Ordinal);

        /// <summary>These tokens' (revoked, or changed).</summary>
        public HashSet<string> Tokens { get; } = new(StringComparer.Ordinal);
    }
}
