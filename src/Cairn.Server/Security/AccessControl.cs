using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>
/// The one place that decides who a credential is and what a caller may do, from this node's copy of the auth settings
/// (users, roles, tokens, login sessions, the node credential, the on/off switch) kept current by a watch on
/// <c>/cairn/auth/</c>. Every check reads the current copy, so a change made on any node applies here as soon as its watch
/// event arrives (and at once on the node that made it: <see cref="AuthStore"/> waits for it).
/// </summary>
/// <remarks>Thread-safe; checks are lock-free reads of an immutable snapshot.</remarks>
internal sealed class AccessControl
{
    /// <summary>Whether auth is on. Until the first copy is loaded (<see cref="InitializeAsync"/>) nothing is served.</summary>
    public bool Enabled => throw new NotImplementedException();

    /// <summary>The revision of the auth settings applied here.</summary>
    public long Revision => throw new NotImplementedException();

    /// <summary>The cluster's node credential (a bearer token nodes send each other); null while auth has never been on.</summary>
    public string? NodeToken => throw new NotImplementedException();

    /// <summary>Loads the current settings and starts following changes; the server calls it before it listens.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Waits until the settings of <paramref name="revision"/> (or later) are applied here.</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> on <paramref name="resource"/>, on
    /// <paramref name="name"/> (null: on every name of it, as a listing needs). Always true for an unrestricted caller,
    /// and for root.</summary>
    public bool Allows(Principal caller, string resource, string action, string? name) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> on every name of <paramref name="resource"/>
    /// that starts with <paramref name="prefix"/> (a listing by prefix): some grant's prefix is a prefix of it.</summary>
    public bool AllowsPrefix(Principal caller, string resource, string action, string prefix) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="caller"/> may do <paramref name="action"/> (<c>read</c>, <c>write</c>) on every key of
    /// <paramref name="range"/> (the union of its kv grants covers the range, as etcd checks). Keys under
    /// <c>/cairn/auth/</c> are root's only.</summary>
    public bool AllowsRange(Principal caller, KeyRange range, string action) => throw new NotImplementedException();

    /// <summary>The roles that apply to <paramref name="caller"/> now: its user's and its listener's.</summary>
    public IReadOnlyList<string> RolesOf(Principal caller) => throw new NotImplementedException();

    /// <summary>The caller a bearer token stands for: a login session, an API token or the node credential; null when it is
    /// unknown, expired, revoked, truncated or forged. The principal's <see cref="Principal.Revoked"/> fires when it stops
    /// being valid (expiry included, on the server's clock).</summary>
    public Principal? Authenticate(string bearerToken) => throw new NotImplementedException();

    /// <summary>The user <paramref name="user"/> if <paramref name="password"/> is its password (a slow hash compare, cached
    /// briefly for HTTP basic auth); null otherwise, without saying whether the user exists.</summary>
    public ValueTask<Principal?> AuthenticatePasswordAsync(string user, string password, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>The existing user <paramref name="user"/>, recognised <paramref name="via"/> a client certificate or Unix
    /// peer credentials; null when there is no such user.</summary>
    public Principal? ForUser(string user, string via) => throw new NotImplementedException();

    /// <summary>A caller with no credential on a listener that gives it <paramref name="roles"/> (they must exist to grant
    /// anything).</summary>
    public Principal ForListener(IReadOnlyList<string> roles) => throw new NotImplementedException();
}
