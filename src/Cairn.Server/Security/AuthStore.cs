using Cairn.Contracts;

namespace Cairn.Server.Security;

/// <summary>
/// The auth settings in the keyspace, under <c>/cairn/auth/</c> (<see cref="AuthKeys"/>): users (password as a bcrypt
/// hash), roles, API tokens and login sessions (only a SHA-256 of each token), the node credential and the on/off switch.
/// Every change is one transaction, and returns only once this node's <see cref="AccessControl"/> has applied it.
/// </summary>
/// <remarks>Names are checked (<see cref="AuthNames"/>); an unknown user or role is <see cref="Core.NotFoundException"/>,
/// a duplicate or a change that would lock everyone out (removing root while on) <see cref="Core.ConflictException"/>.</remarks>
internal sealed class AuthStore
{
    /// <summary>Turns auth on; refused (409) unless user <c>root</c> exists with role <c>root</c>. Creates the node credential
    /// the first time.</summary>
    public ValueTask EnableAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Turns auth off: every caller may do anything again.</summary>
    public ValueTask DisableAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<UserDto> AddUserAsync(CreateUserDto user, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Removes a user, its login sessions and its API tokens.</summary>
    public ValueTask RemoveUserAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Sets (or with null removes) a password; every login session of the user ends.</summary>
    public ValueTask SetPasswordAsync(string name, string? password, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask GrantRoleAsync(string user, string role, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask RevokeRoleAsync(string user, string role, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<UserDto> GetUserAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<UserListDto> ListUsersAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<RoleDto> AddRoleAsync(RoleDto role, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask RemoveRoleAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<RoleDto> GrantPermissionsAsync(string role, IReadOnlyList<PermissionDto> permissions, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<RoleDto> RevokePermissionsAsync(string role, IReadOnlyList<PermissionDto> permissions, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<RoleDto> GetRoleAsync(string name, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask<RoleListDto> ListRolesAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Makes a login session for <paramref name="user"/> (whose password the caller has checked), valid for
    /// <paramref name="ttl"/>.</summary>
    public ValueTask<TokenResultDto> LoginAsync(string user, TimeSpan ttl, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Makes an API token.</summary>
    public ValueTask<TokenResultDto> CreateTokenAsync(string user, string name, TimeSpan? ttl, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Revokes an API token or ends a login session, by id.</summary>
    public ValueTask RevokeTokenAsync(string id, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>The API tokens and login sessions, of <paramref name="user"/> or of everyone.</summary>
    public ValueTask<TokenListDto> ListTokensAsync(string? user, CancellationToken cancellationToken) => throw new NotImplementedException();
}
