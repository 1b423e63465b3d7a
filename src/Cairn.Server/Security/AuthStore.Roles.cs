using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>Roles and their permissions. <c>root</c> is built in: listed, never stored, never changed.</summary>
internal sealed partial class AuthStore
{
    /// <summary>Adds a role with its permissions (checked against <see cref="AuthResources.Actions"/>).</summary>
    public async ValueTask<RoleDto> AddRoleAsync(RoleDto role, CancellationToken cancellationToken)
    {
        AuthNames.Validate("role", role.Name);
        RefuseRoot(role.Name, "added");
        var record = new RoleRecord { Name = role.Name, Permissions = PermissionRules.Grant([], (role.Permissions ?? []).Select(PermissionRules.Normalize)) };
        return await ChangeAsync(async ct =>
        {
            var key = AuthKeys.Roles + role.Name;
            if (await ReadRawAsync(key, ct).ConfigureAwait(false) is not null)
            {
                throw new ConflictException($"Role '{role.Name}' already exists.");
            }

            var plan = new Plan<RoleDto>(ToDto(record));
            plan.Unchanged(key, 0);
            plan.Put(key, Encode(record, AuthJson.Default.RoleRecord));
            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a role, and takes it from every user that has it.</summary>
    public async ValueTask RemoveRoleAsync(string name, CancellationToken cancellationToken)
    {
        AuthNames.Validate("role", name);
        RefuseRoot(name, "removed");
        await ChangeAsync<object?>(async ct =>
        {
            var role = await ReadRoleAsync(name, ct).ConfigureAwait(false);
            var plan = new Plan<object?>(null);
            plan.Unchanged(AuthKeys.Roles + name, role.ModRevision);
            plan.Delete(AuthKeys.Roles + name);
            foreach (var user in (await ReadAllAsync(AuthKeys.Users, AuthJson.Default.UserRecord, ct).ConfigureAwait(false)).Where(u => u.Record!.Roles.Contains(name)))
            {
                var key = AuthKeys.Users + user.Record!.Name;
                plan.Unchanged(key, user.ModRevision);
                plan.Put(key, Encode(user.Record with { Roles = [.. user.Record.Roles.Where(r => r != name)] }, AuthJson.Default.UserRecord));
            }

            return plan;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <paramref name="permissions"/> to a role (a grant on the same names gains their actions).</summary>
    public async ValueTask<RoleDto> GrantPermissionsAsync(string role, IReadOnlyList<PermissionDto> permissions, CancellationToken cancellationToken)
    {
        AuthNames.Validate("role", role);
        RefuseRoot(role, "changed");
        var added = (permissions ?? []).Select(PermissionRules.Normalize).ToList();
        return await ChangeRoleAsync(role, current => PermissionRules.Grant(current, added), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes <paramref name="permissions"/>' actions from a role's grants on the same names; 404 for a grant it does
    /// not have.</summary>
    public async ValueTask<RoleDto> RevokePermissionsAsync(string role, IReadOnlyList<PermissionDto> permissions, CancellationToken cancellationToken)
    {
        AuthNames.Validate("role", role);
        RefuseRoot(role, "changed");
        var removed = (permissions ?? []).Select(PermissionRules.Normalize).ToList();
        return await ChangeRoleAsync(role, current => PermissionRules.Revoke(role, current, removed), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A role (root included); 404 if there is none.</summary>
    public async ValueTask<RoleDto> GetRoleAsync(string name, CancellationToken cancellationToken)
    {
        AuthNames.Validate("role", name);
        return name == RootRole ? RootDto() : ToDto((await ReadRoleAsync(name, cancellationToken).ConfigureAwait(false)).Record!);
    }

    /// <summary>Every role, root included, by name.</summary>
    public async ValueTask<RoleListDto> ListRolesAsync(CancellationToken cancellationToken) => new()
    {
        Roles = [.. (await ReadAllAsync(AuthKeys.Roles, AuthJson.Default.RoleRecord, cancellationToken).ConfigureAwait(false))
            .Where(r => r.Record!.Name != RootRole)
            .Select(r => ToDto(r.Record!))
            .Append(RootDto())
            .OrderBy(r => r.Name, StringComparer.Ordinal)],
    };

    private async ValueTask<RoleDto> ChangeRoleAsync(string role, Func<IReadOnlyList<PermissionRecord>, List<PermissionRecord>> change, CancellationToken cancellationToken) =>
        await ChangeAsync(async ct =>
        {
            var stored = await ReadRoleAsync(role, ct).ConfigureAwait(false);
            var updated = stored.Record! with { Permissions = change(stored.Record.Permissions) };
            var plan = new Plan<RoleDto>(ToDto(updated));
            plan.Unchanged(AuthKeys.Roles + role, stored.ModRevision);
            plan.Put(AuthKeys.Roles + role, Encode(updated, AuthJson.Default.RoleRecord));
            return plan;
        }, cancellationToken).ConfigureAwait(false);

    private async ValueTask<Stored<RoleRecord>> ReadRoleAsync(string name, CancellationToken cancellationToken)
    {
        var role = await ReadAsync(AuthKeys.Roles + name, AuthJson.Default.RoleRecord, cancellationToken).ConfigureAwait(false);
        return role.Record?.Name == name ? role : throw new NotFoundException($"There is no role '{name}'.");
    }

    // The mod revision of an existing role, for a compare that it still exists unchanged.
    private async ValueTask<long> RoleRevisionAsync(string name, CancellationToken cancellationToken) =>
        (await ReadRoleAsync(name, cancellationToken).ConfigureAwait(false)).ModRevision;

    private static void RefuseRoot(string role, string what)
    {
        if (role == RootRole)
        {
            throw new ConflictException($"The root role is built in (it grants everything) and cannot be {what}.");
        }
    }

    private static RoleDto RootDto() => new()
    {
        Name = RootRole,
        Permissions = [.. AuthResources.Actions.Select(r => new PermissionDto { Resource = r.Key, Actions = ["*"], Key = "", Prefix = true })],
    };

    private static RoleDto ToDto(RoleRecord role) => new() { Name = role.Name, Permissions = [.. role.Permissions.Select(PermissionRules.ToDto)] };
}
