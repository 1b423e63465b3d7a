using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>Users: add, remove, password, roles.</summary>
internal sealed partial class AuthStore
{
    /// <summary>Adds a user, with its password (hashed here) and roles (which must exist).</summary>
    public async ValueTask<UserDto> AddUserAsync(CreateUserDto user, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", user.Name);
        var roles = NormalizeRoles(user.Roles);

        // The slow part, once, before the transaction (not again on a retry).
        var hash = user.Password is null ? null : _access.Passwords.Hash(user.Password);
        var record = new UserRecord { Name = user.Name, Hash = hash, Roles = roles, CreatedAt = _time.GetUtcNow() };
        return await ChangeAsync(async ct =>
        {
            var key = AuthKeys.Users + user.Name;
            if ((await ReadRawAsync(key, ct).ConfigureAwait(false)) is not null)
            {
                throw new ConflictException($"User '{user.Name}' already exists.");
            }

            var plan = new Plan<UserDto>(ToDto(record));
            plan.Unchanged(key, 0);
            foreach (var role in roles.Where(r => r != RootRole))
            {
                plan.Unchanged(AuthKeys.Roles + role, await RoleRevisionAsync(role, ct).ConfigureAwait(false));
            }

            plan.Put(key, Encode(record, AuthJson.Default.UserRecord));
            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a user, its login sessions and its API tokens.</summary>
    public async ValueTask RemoveUserAsync(string name, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", name);
        await ChangeAsync<object?>(async ct =>
        {
            var user = await ReadUserAsync(name, ct).ConfigureAwait(false);
            var plan = new Plan<object?>(null);
            if (name == RootUser)
            {
                plan.Unchanged(AuthKeys.Enabled, await RefuseWhileEnabledAsync("The root user cannot be removed", ct).ConfigureAwait(false));
            }

            plan.Unchanged(AuthKeys.Users + name, user.ModRevision);
            plan.Delete(AuthKeys.Users + name);
            foreach (var token in (await ReadAllAsync(AuthKeys.Tokens, AuthJson.Default.TokenRecord, ct).ConfigureAwait(false)).Where(t => t.Record!.User == name))
            {
                plan.Delete(AuthKeys.Tokens + token.Record!.Id);
            }

            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or with null removes) a password; every login session of the user ends.</summary>
    public async ValueTask SetPasswordAsync(string name, string? password, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", name);
        var hash = password is null ? null : _access.Passwords.Hash(password);
        await ChangeAsync<object?>(async ct =>
        {
            var user = await ReadUserAsync(name, ct).ConfigureAwait(false);
            var plan = new Plan<object?>(null);
            plan.Unchanged(AuthKeys.Users + name, user.ModRevision);
            plan.Put(AuthKeys.Users + name, Encode(user.Record! with { Hash = hash }, AuthJson.Default.UserRecord));
            foreach (var token in (await ReadAllAsync(AuthKeys.Tokens, AuthJson.Default.TokenRecord, ct).ConfigureAwait(false))
                .Where(t => t.Record!.User == name && t.Record.Kind == TokenKinds.Login))
            {
                plan.Delete(AuthKeys.Tokens + token.Record!.Id);
            }

            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives <paramref name="user"/> the role <paramref name="role"/> (which must exist); nothing if it has it.</summary>
    public async ValueTask GrantRoleAsync(string user, string role, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", user);
        AuthNames.Validate("role", role);
        await ChangeAsync<object?>(async ct =>
        {
            var stored = await ReadUserAsync(user, ct).ConfigureAwait(false);
            var plan = new Plan<object?>(null);
            var roleRevision = role == RootRole ? 0 : await RoleRevisionAsync(role, ct).ConfigureAwait(false);
            if (stored.Record!.Roles.Contains(role))
            {
                return plan;
            }

            if (role != RootRole)
            {
                plan.Unchanged(AuthKeys.Roles + role, roleRevision);
            }

            plan.Unchanged(AuthKeys.Users + user, stored.ModRevision);
            plan.Put(AuthKeys.Users + user, Encode(stored.Record with { Roles = [.. stored.Record.Roles.Append(role).Order(StringComparer.Ordinal)] }, AuthJson.Default.UserRecord));
            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes <paramref name="role"/> from <paramref name="user"/>; 404 if it does not have it; 409 for root's root role
    /// while auth is on.</summary>
    public async ValueTask RevokeRoleAsync(string user, string role, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", user);
        AuthNames.Validate("role", role);
        await ChangeAsync<object?>(async ct =>
        {
            var stored = await ReadUserAsync(user, ct).ConfigureAwait(false);
            if (!stored.Record!.Roles.Contains(role))
            {
                throw new NotFoundException($"User '{user}' does not have role '{role}'.");
            }

            var plan = new Plan<object?>(null);
            if (user == RootUser && role == RootRole)
            {
                plan.Unchanged(AuthKeys.Enabled, await RefuseWhileEnabledAsync("The root role cannot be taken from the root user", ct).ConfigureAwait(false));
            }

            plan.Unchanged(AuthKeys.Users + user, stored.ModRevision);
            plan.Put(AuthKeys.Users + user, Encode(stored.Record with { Roles = [.. stored.Record.Roles.Where(r => r != role)] }, AuthJson.Default.UserRecord));
            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A user; 404 if there is none.</summary>
    public async ValueTask<UserDto> GetUserAsync(string name, CancellationToken cancellationToken)
    {
        AuthNames.Validate("user", name);
        return ToDto((await ReadUserAsync(name, cancellationToken).ConfigureAwait(false)).Record!);
    }

    /// <summary>Every user, by name.</summary>
    public async ValueTask<UserListDto> ListUsersAsync(CancellationToken cancellationToken) => new()
    {
        Users = [.. (await ReadAllAsync(AuthKeys.Users, AuthJson.Default.UserRecord, cancellationToken).ConfigureAwait(false))
            .Select(u => ToDto(u.Record!))
            .OrderBy(u => u.Name, StringComparer.Ordinal)],
    };

    private async ValueTask<Stored<UserRecord>> ReadUserAsync(string name, CancellationToken cancellationToken)
    {
        var user = await ReadAsync(AuthKeys.Users + name, AuthJson.Default.UserRecord, cancellationToken).ConfigureAwait(false);
        return user.Record?.Name == name ? user : throw new NotFoundException($"There is no user '{name}'.");
    }

    // The mod revision of the enabled switch, which must be absent; refused while it is on.
    private async ValueTask<long> RefuseWhileEnabledAsync(string what, CancellationToken cancellationToken) =>
        await ReadRawAsync(AuthKeys.Enabled, cancellationToken).ConfigureAwait(false) is null
            ? 0
            : throw new ConflictException($"{what} while auth is enabled (it would lock everyone out); disable auth first (cairn auth disable).");

    private static List<string> NormalizeRoles(IEnumerable<string>? roles)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var role in roles ?? [])
        {
            AuthNames.Validate("role", role);
            result.Add(role);
        }

        return [.. result];
    }

    private static UserDto ToDto(UserRecord user) => new()
    {
        Name = user.Name,
        Roles = [.. user.Roles],
        HasPassword = user.Hash is not null,
        CreatedAt = user.CreatedAt,
    };
}
