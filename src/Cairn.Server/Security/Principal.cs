namespace Cairn.Server.Security;

/// <summary>What kind of caller a <see cref="Principal"/> is.</summary>
internal enum PrincipalKind
{
    /// <summary>Auth is off: the caller may do anything, as before auth existed.</summary>
    Unrestricted,

    /// <summary>A user of the auth store, by whichever credential (token, password, certificate, Unix peer).</summary>
    User,

    /// <summary>Another Cairn node, by the cluster's node credential: internal reads and what proxying needs.</summary>
    Node,

    /// <summary>No credential: only what the listener's anonymous role grants (none by default), and anonymous endpoints.</summary>
    Anonymous,
}

/// <summary>
/// Who sent a request, as the authentication middleware recognised them; set on every request
/// (<see cref="Caller.Of"/>). Its permissions are not copied into it: every check asks <see cref="AccessControl"/>, which
/// reads the current users and roles, so a revoked role stops working at once.
/// </summary>
/// <param name="Kind">What kind of caller.</param>
/// <param name="Name">The user's name; <c>node</c>, <c>anonymous</c>, or <c>*</c> for <see cref="PrincipalKind.Unrestricted"/>.</param>
/// <param name="Via">How it was recognised: <c>token</c>, <c>api-token</c>, <c>password</c>, <c>certificate</c>, <c>peer</c>,
/// <c>node</c>, <c>listener</c>, <c>none</c> (see <see cref="Contracts.AuthStatusDto.Via"/>).</param>
internal sealed record Principal(PrincipalKind Kind, string Name, string Via)
{
    /// <summary>The caller when auth is off.</summary>
    public static Principal Unrestricted { get; } = new(PrincipalKind.Unrestricted, "*", "none");

    /// <summary>A caller with no credential and no listener role.</summary>
    public static Principal Anonymous { get; } = new(PrincipalKind.Anonymous, "anonymous", "none");

    /// <summary>The login session or API token the request came with, for logout and audit; null for other credentials.</summary>
    public string? CredentialId { get; init; }

    /// <summary>Roles given by the listener rather than by the auth store (a compat listener's anonymous role, or the
    /// <c>/v1</c> listeners' <c>Auth:AnonymousRole</c>); a user's own roles are looked up live.</summary>
    public IReadOnlyList<string> ListenerRoles { get; init; } = [];

    /// <summary>Fires when the credential stops being valid: expired, revoked, its user removed or its roles changed.
    /// The middleware aborts the request then, so a stream the caller holds ends at once.</summary>
    public CancellationToken Revoked { get; init; }

    /// <summary>Whether this caller may be refused at all (false only when auth is off).</summary>
    public bool IsRestricted => Kind != PrincipalKind.Unrestricted;
}
