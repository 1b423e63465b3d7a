using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// Authentication and its administration over <c>/v1/auth</c>: whether auth is on, logging in and out, users, roles
/// and API tokens (as etcd's <c>auth</c>, <c>user</c> and <c>role</c> APIs).
/// </summary>
/// <remarks>
/// Administration needs the <c>admin:users</c> permission (root has it) once auth is on; while it is off, anyone may
/// prepare users and roles, and <see cref="EnableAuthAsync"/> then needs user <c>root</c> with role <c>root</c>. Refusals
/// are <see cref="UnauthenticatedException"/> (no credential, or one the server no longer takes) and
/// <see cref="PermissionDeniedException"/> (a known caller without the permission).
/// </remarks>
public sealed partial class CairnClient
{
    /// <summary>Whether auth is on, and who the server takes this client for (<c>GET /v1/auth/status</c>, open to anyone).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<AuthStatusDto> AuthStatusAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<AuthStatusDto>(new HttpRequestMessage(HttpMethod.Get, "v1/auth/status"), cancellationToken);

    /// <summary>Turns authentication and authorization on for the whole cluster. Needs user <c>root</c> with role
    /// <c>root</c> (else <see cref="ConflictException"/> saying so); from then on every request needs a credential.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<AuthStatusDto> EnableAuthAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<AuthStatusDto>(new HttpRequestMessage(HttpMethod.Post, "v1/auth/enable"), cancellationToken);

    /// <summary>Turns auth off: every caller may do everything again, as before it was enabled. Users, roles and tokens
    /// are kept for the next <see cref="EnableAuthAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<AuthStatusDto> DisableAuthAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<AuthStatusDto>(new HttpRequestMessage(HttpMethod.Post, "v1/auth/disable"), cancellationToken);

    /// <summary>
    /// Exchanges a user's password for a short-lived login token (<c>POST /v1/auth/login</c>). The request carries no other
    /// credential. This client then sends the token with its requests until <see cref="LogoutAsync"/> or until the server
    /// refuses it (when this client was made with a caller's <see cref="HttpClient"/>, the caller must send it itself).
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="password">Its password.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The token, its id and when it expires; the token is shown only here.</returns>
    /// <exception cref="UnauthenticatedException">Wrong user or password (the message does not say which).</exception>
    /// <exception cref="TooManyRequestsException">Too many failed logins for the user or from this address; wait
    /// <see cref="TooManyRequestsException.RetryAfter"/>.</exception>
    public async Task<TokenResultDto> LoginAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        var request = JsonRequest(HttpMethod.Post, "v1/auth/login", new LoginDto { User = user, Password = password });
        request.Options.Set(CredentialHandler.Anonymous, true);
        var result = await SendJsonAsync<TokenResultDto>(request, cancellationToken).ConfigureAwait(false);
        _credentials?.Adopt(result, password);
        return result;
    }

    /// <summary>Ends the login session this client's credential belongs to (<c>POST /v1/auth/logout</c>): its token stops
    /// working at once, on every node. This client forgets a session it holds; a configured API token or token file is
    /// not touched (remove the file with <see cref="CairnTokenFile.Delete"/>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="UnauthenticatedException">The credential is not (or no longer) a valid login session.</exception>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await SendNoContentAsync(new HttpRequestMessage(HttpMethod.Post, "v1/auth/logout"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _credentials?.ForgetSession();
        }
    }

    /// <summary>Makes a user (<c>POST /v1/auth/users</c>).</summary>
    /// <param name="name">Its name: 1–128 of letters, digits, <c>. _ @ -</c>.</param>
    /// <param name="password">Its password; null for a user that authenticates only by certificate, Unix account or API token.</param>
    /// <param name="roles">Roles to give it at once.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">The user exists.</exception>
    public Task<UserDto> AddUserAsync(string name, string? password, IEnumerable<string>? roles = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var body = new CreateUserDto { Name = name, Password = password, Roles = roles?.ToList() ?? [] };
        return SendJsonAsync<UserDto>(JsonRequest(HttpMethod.Post, "v1/auth/users", body), cancellationToken);
    }

    /// <summary>Removes a user; its tokens stop working at once. False when there was no such user.</summary>
    /// <param name="name">The user.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">The user is <c>root</c> and auth is on.</exception>
    public Task<bool> RemoveUserAsync(string name, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, UserPath(name)), cancellationToken);

    /// <summary>A user (never its password); null when there is no such user.</summary>
    /// <param name="name">The user.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<UserDto?> GetUserAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendJsonAsync<UserDto>(new HttpRequestMessage(HttpMethod.Get, UserPath(name)), cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every user, by name.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<UserDto>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<UserListDto>(new HttpRequestMessage(HttpMethod.Get, "v1/auth/users"), cancellationToken).ConfigureAwait(false)).Users;

    /// <summary>Sets a user's password (<c>PUT /v1/auth/users/{user}/password</c>); every login session of the user ends.
    /// A user may change its own password; others' need <c>admin:users</c>.</summary>
    /// <param name="name">The user.</param>
    /// <param name="password">The new password; null removes it (the user can then no longer log in with one).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">There is no such user.</exception>
    public Task SetPasswordAsync(string name, string? password, CancellationToken cancellationToken = default) =>
        SendJsonAsync(JsonRequest(HttpMethod.Put, UserPath(name) + "/password", new PasswordDto { Password = password }), cancellationToken);

    /// <summary>Gives a user a role.</summary>
    /// <param name="user">The user.</param>
    /// <param name="role">The role (<c>root</c> grants everything).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user as it is now.</returns>
    /// <exception cref="NotFoundException">There is no such user or role.</exception>
    public Task<UserDto> GrantRoleAsync(string user, string role, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        return SendJsonAsync<UserDto>(JsonRequest(HttpMethod.Post, UserPath(user) + "/roles", new GrantRoleDto { Role = role }), cancellationToken);
    }

    /// <summary>Takes a role from a user; its tokens then carry the user's remaining roles only, at once.</summary>
    /// <param name="user">The user.</param>
    /// <param name="role">The role.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user as it is now.</returns>
    /// <exception cref="NotFoundException">There is no such user, or it does not have the role.</exception>
    public Task<UserDto> RevokeRoleAsync(string user, string role, CancellationToken cancellationToken = default) =>
        SendJsonAsync<UserDto>(new HttpRequestMessage(HttpMethod.Delete, UserPath(user) + "/roles/" + Segment(role, nameof(role))), cancellationToken);

    /// <summary>Makes a role (<c>POST /v1/auth/roles</c>).</summary>
    /// <param name="name">Its name.</param>
    /// <param name="permissions">What it grants at once (more with <see cref="GrantPermissionsAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">The role exists.</exception>
    public Task<RoleDto> AddRoleAsync(string name, IEnumerable<PermissionDto>? permissions = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var body = new RoleDto { Name = name, Permissions = permissions?.ToList() ?? [] };
        return SendJsonAsync<RoleDto>(JsonRequest(HttpMethod.Post, "v1/auth/roles", body), cancellationToken);
    }

    /// <summary>Removes a role, from every user that has it too. False when there was no such role.</summary>
    /// <param name="name">The role.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">The role is <c>root</c>, which cannot be removed.</exception>
    public Task<bool> RemoveRoleAsync(string name, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, RolePath(name)), cancellationToken);

    /// <summary>A role and its permissions; null when there is no such role.</summary>
    /// <param name="name">The role.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<RoleDto?> GetRoleAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendJsonAsync<RoleDto>(new HttpRequestMessage(HttpMethod.Get, RolePath(name)), cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every role, by name (<c>root</c> included).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<RoleDto>> ListRolesAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<RoleListDto>(new HttpRequestMessage(HttpMethod.Get, "v1/auth/roles"), cancellationToken).ConfigureAwait(false)).Roles;

    /// <summary>Adds permissions to a role; users that have it get them at once.</summary>
    /// <param name="role">The role.</param>
    /// <param name="permissions">What to grant (<see cref="PermissionDto"/>: resource, actions, key or prefix or range).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The role as it is now.</returns>
    /// <exception cref="InvalidArgumentException">An unknown resource or action, or a range on a resource other than kv.</exception>
    public Task<RoleDto> GrantPermissionsAsync(string role, IEnumerable<PermissionDto> permissions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        return SendJsonAsync<RoleDto>(JsonRequest(HttpMethod.Post, RolePath(role) + "/permissions", new PermissionChangeDto { Permissions = permissions.ToList() }), cancellationToken);
    }

    /// <summary>Takes permissions from a role: the actions named are removed from the grants on the same resource and
    /// key (or prefix, or range); users that have the role lose them at once.</summary>
    /// <param name="role">The role.</param>
    /// <param name="permissions">What to take away.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The role as it is now.</returns>
    public Task<RoleDto> RevokePermissionsAsync(string role, IEnumerable<PermissionDto> permissions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        return SendJsonAsync<RoleDto>(JsonRequest(HttpMethod.Post, RolePath(role) + "/permissions/revoke", new PermissionChangeDto { Permissions = permissions.ToList() }), cancellationToken);
    }

    /// <summary>Makes an API token for a service (<c>POST /v1/auth/tokens</c>): it acts as <paramref name="user"/> until
    /// it is revoked or expires.</summary>
    /// <param name="user">The user it acts as.</param>
    /// <param name="name">A label to tell it apart in <see cref="ListTokensAsync"/> (the service's name, say).</param>
    /// <param name="ttl">How long it is valid (<c>90d</c>, <c>12h</c>); null for no expiry, where the server allows that.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The token and its id; the token is shown only here (the server keeps only its hash).</returns>
    public Task<TokenResultDto> CreateTokenAsync(string user, string name, string? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(name);
        return SendJsonAsync<TokenResultDto>(JsonRequest(HttpMethod.Post, "v1/auth/tokens", new CreateTokenDto { User = user, Name = name, Ttl = ttl }), cancellationToken);
    }

    /// <summary>API tokens and login sessions (never the tokens themselves): all of them, or one user's. A user without
    /// <c>admin:users</c> may list its own.</summary>
    /// <param name="user">Only this user's; null for all.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<TokenDto>> ListTokensAsync(string? user = null, CancellationToken cancellationToken = default)
    {
        var path = user is null ? "v1/auth/tokens" : "v1/auth/tokens?user=" + Uri.EscapeDataString(user);
        return (await SendJsonAsync<TokenListDto>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken).ConfigureAwait(false)).Tokens;
    }

    /// <summary>Revokes an API token or login session by id: it stops working at once, and streams opened with it end.
    /// False when there was no such token.</summary>
    /// <param name="id">The token's id (<see cref="TokenDto.Id"/>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, "v1/auth/tokens/" + Segment(id, nameof(id))), cancellationToken);

    // A request whose answer is 204 (or a body this client does not need).
    private Task SendJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static string UserPath(string name) => "v1/auth/users/" + Segment(name, nameof(name));

    private static string RolePath(string name) => "v1/auth/roles/" + Segment(name, nameof(name));

    private static string Segment(string value, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameter);
        return Uri.EscapeDataString(value);
    }
}
