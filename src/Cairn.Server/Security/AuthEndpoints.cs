using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Security;

/// <summary>
/// <c>/v1/auth</c>: whether auth is on and who the caller is, turning it on and off, login and logout, and the users,
/// roles and tokens of the auth store. Everything but status, login and logout needs <c>admin:users</c> (while auth is off
/// everyone has it, so the first root user can be made and auth enabled, as with etcd); a user may also change its own
/// password and list and revoke its own tokens. Every change is audited.
/// </summary>
internal static class AuthEndpoints
{
    public const string Prefix = "/v1/auth";

    private const string Tag = "auth";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/status", StatusAsync).WithName("AuthStatus").WithTags(Tag).Produces<AuthStatusDto>().AllowAnonymous();
        app.MapPost(Prefix + "/enable", EnableAsync).WithName("AuthEnable").WithTags(Tag).Produces<AuthStatusDto>().RequireAdmin();
        app.MapPost(Prefix + "/disable", DisableAsync).WithName("AuthDisable").WithTags(Tag).Produces<AuthStatusDto>().RequireAdmin();
        app.MapPost(Prefix + "/login", LoginAsync).WithName("AuthLogin").WithTags(Tag).Produces<TokenResultDto>().AllowAnonymous();
        app.MapPost(Prefix + "/logout", LogoutAsync).WithName("AuthLogout").WithTags(Tag).Produces(StatusCodes.Status204NoContent).RequireAuthenticated();

        app.MapGet(Prefix + "/users", ListUsersAsync).WithName("ListUsers").WithTags(Tag).Produces<UserListDto>().RequireAdmin();
        app.MapPost(Prefix + "/users", AddUserAsync).WithName("AddUser").WithTags(Tag).Produces<UserDto>(StatusCodes.Status201Created).RequireAdmin();
        app.MapGet(Prefix + "/users/{user}", GetUserAsync).WithName("GetUser").WithTags(Tag).Produces<UserDto>().RequireAdmin();
        app.MapDelete(Prefix + "/users/{user}", RemoveUserAsync).WithName("RemoveUser").WithTags(Tag).Produces(StatusCodes.Status204NoContent).RequireAdmin();
        app.MapPut(Prefix + "/users/{user}/password", SetPasswordAsync).WithName("SetPassword").WithTags(Tag).Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Admin);
        app.MapPost(Prefix + "/users/{user}/roles", GrantRoleAsync).WithName("GrantRole").WithTags(Tag).Produces<UserDto>().RequireAdmin();
        app.MapDelete(Prefix + "/users/{user}/roles/{role}", RevokeRoleAsync).WithName("RevokeRole").WithTags(Tag).Produces<UserDto>().RequireAdmin();

        app.MapGet(Prefix + "/roles", ListRolesAsync).WithName("ListRoles").WithTags(Tag).Produces<RoleListDto>().RequireAdmin();
        app.MapPost(Prefix + "/roles", AddRoleAsync).WithName("AddRole").WithTags(Tag).Produces<RoleDto>(StatusCodes.Status201Created).RequireAdmin();
        app.MapGet(Prefix + "/roles/{role}", GetRoleAsync).WithName("GetRole").WithTags(Tag).Produces<RoleDto>().RequireAdmin();
        app.MapDelete(Prefix + "/roles/{role}", RemoveRoleAsync).WithName("RemoveRole").WithTags(Tag).Produces(StatusCodes.Status204NoContent).RequireAdmin();
        app.MapPost(Prefix + "/roles/{role}/permissions", GrantPermissionsAsync).WithName("GrantPermissions").WithTags(Tag).Produces<RoleDto>().RequireAdmin();
        app.MapPost(Prefix + "/roles/{role}/permissions/revoke", RevokePermissionsAsync).WithName("RevokePermissions").WithTags(Tag).Produces<RoleDto>().RequireAdmin();

        app.MapGet(Prefix + "/tokens", ListTokensAsync).WithName("ListTokens").WithTags(Tag).Produces<TokenListDto>().AuthorizeInHandler(AuthResources.Admin);
        app.MapPost(Prefix + "/tokens", CreateTokenAsync).WithName("CreateToken").WithTags(Tag).Produces<TokenResultDto>(StatusCodes.Status201Created).RequireAdmin();
        app.MapDelete(Prefix + "/tokens/{id}", RevokeTokenAsync).WithName("RevokeToken").WithTags(Tag).Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Admin);
    }

    private static RouteHandlerBuilder RequireAdmin(this RouteHandlerBuilder builder) => builder.RequirePermission(AuthResources.Admin, "users");

    private static async Task StatusAsync(HttpContext context, AccessControl access) =>
        await Json.WriteAsync(context, Status(context, access)).ConfigureAwait(false);

    private static AuthStatusDto Status(HttpContext context, AccessControl access)
    {
        var caller = Caller.Of(context);
        return new AuthStatusDto
        {
            Enabled = access.Enabled,
            User = caller.Name,
            Via = caller.Via,
            Roles = caller.IsRestricted ? [.. access.RolesOf(caller)] : [],
            Revision = access.Revision,
        };
    }

    private static async Task EnableAsync(HttpContext context, AuthStore store, AccessControl access, AuditLog audit)
    {
        await AuditedAsync(context, audit, "auth.enable", "", () => store.EnableAsync(context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, Status(context, access)).ConfigureAwait(false);
    }

    private static async Task DisableAsync(HttpContext context, AuthStore store, AccessControl access, AuditLog audit)
    {
        await AuditedAsync(context, audit, "auth.disable", "", () => store.DisableAsync(context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, Status(context, access)).ConfigureAwait(false);
    }

    private static async Task LoginAsync(HttpContext context, LoginThrottle throttle, AuthStore store, AuthSettings settings, AuditLog audit)
    {
        var login = await Json.ReadAsync<LoginDto>(context).ConfigureAwait(false);
        if (string.IsNullOrEmpty(login.User) || login.Password is null)
        {
            throw new InvalidArgumentException("A login needs 'user' and 'password'.");
        }

        var user = await throttle.CheckAsync(context, login.User, login.Password, "login").ConfigureAwait(false)
            ?? throw new UnauthenticatedException("Wrong user name or password.");
        var token = await store.LoginAsync(user.Name, settings.TokenTtl, context.RequestAborted).ConfigureAwait(false);
        audit.Write("login", user.Name, Caller.From(context), $"{What(context)} session {token.Id}", "ok");
        await Json.WriteAsync(context, token).ConfigureAwait(false);
    }

    // Ends the caller's own login session. With auth off nobody is authenticated, but a client that logged in before still
    // holds its token: the one it sends is ended all the same.
    private static async Task LogoutAsync(HttpContext context, AuthStore store, AccessControl access, AuditLog audit)
    {
        var caller = Caller.Of(context);
        if (!caller.IsRestricted && Bearer(context) is { } token && access.Authenticate(token) is { } holder)
        {
            caller = holder;
        }

        if (caller.CredentialId is { } id && caller.Via == "token")
        {
            AuthenticationMiddleware.KeepOnRevoke(context);
            await store.RevokeTokenAsync(id, context.RequestAborted).ConfigureAwait(false);
            audit.Write("token.revoke", caller.Name, Caller.From(context), $"{What(context)} session {id}", "ok");
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static string? Bearer(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static async Task ListUsersAsync(HttpContext context, AuthStore store) =>
        await Json.WriteAsync(context, await store.ListUsersAsync(context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);

    private static async Task AddUserAsync(HttpContext context, AuthStore store, AuditLog audit)
    {
        var request = await Json.ReadAsync<CreateUserDto>(context).ConfigureAwait(false);
        var user = await AuditedAsync(context, audit, "user.add", $"user '{request.Name}' roles [{string.Join(",", request.Roles ?? [])}]", () => store.AddUserAsync(request, context.RequestAborted).AsTask()).ConfigureAwait(false);
        await CreatedAsync(context, "users", user.Name, user).ConfigureAwait(false);
    }

    private static async Task GetUserAsync(HttpContext context, AuthStore store, string user) =>
        await Json.WriteAsync(context, await store.GetUserAsync(user, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);

    private static async Task RemoveUserAsync(HttpContext context, AuthStore store, AuditLog audit, string user)
    {
        await AuditedAsync(context, audit, "user.remove", $"user '{user}'", () => store.RemoveUserAsync(user, context.RequestAborted).AsTask()).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    // A user may change its own password; anyone else's needs admin:users.
    private static async Task SetPasswordAsync(HttpContext context, AuthStore store, AuditLog audit, string user)
    {
        var caller = Caller.Of(context);
        if (caller.Kind != PrincipalKind.User || caller.Name != user)
        {
            Caller.Demand(context, AuthResources.Admin, "users", null);
        }

        var request = await Json.ReadAsync<PasswordDto>(context).ConfigureAwait(false);
        await AuditedAsync(context, audit, "user.password", $"user '{user}'" + (request.Password is null ? " (removed)" : ""), () => store.SetPasswordAsync(user, request.Password, context.RequestAborted).AsTask()).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task GrantRoleAsync(HttpContext context, AuthStore store, AuditLog audit, string user)
    {
        var request = await Json.ReadAsync<GrantRoleDto>(context).ConfigureAwait(false);
        await AuditedAsync(context, audit, "user.grant", $"user '{user}' role '{request.Role}'", () => store.GrantRoleAsync(user, request.Role, context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, await store.GetUserAsync(user, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task RevokeRoleAsync(HttpContext context, AuthStore store, AuditLog audit, string user, string role)
    {
        await AuditedAsync(context, audit, "user.revoke", $"user '{user}' role '{role}'", () => store.RevokeRoleAsync(user, role, context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, await store.GetUserAsync(user, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task ListRolesAsync(HttpContext context, AuthStore store) =>
        await Json.WriteAsync(context, await store.ListRolesAsync(context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);

    private static async Task AddRoleAsync(HttpContext context, AuthStore store, AuditLog audit)
    {
        var request = await Json.ReadAsync<RoleDto>(context).ConfigureAwait(false);
        var role = await AuditedAsync(context, audit, "role.add", $"role '{request.Name}' {Describe(request.Permissions)}", () => store.AddRoleAsync(request, context.RequestAborted).AsTask()).ConfigureAwait(false);
        await CreatedAsync(context, "roles", role.Name, role).ConfigureAwait(false);
    }

    private static async Task GetRoleAsync(HttpContext context, AuthStore store, string role) =>
        await Json.WriteAsync(context, await store.GetRoleAsync(role, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);

    private static async Task RemoveRoleAsync(HttpContext context, AuthStore store, AuditLog audit, string role)
    {
        await AuditedAsync(context, audit, "role.remove", $"role '{role}'", () => store.RemoveRoleAsync(role, context.RequestAborted).AsTask()).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task GrantPermissionsAsync(HttpContext context, AuthStore store, AuditLog audit, string role)
    {
        var request = await Json.ReadAsync<PermissionChangeDto>(context).ConfigureAwait(false);
        var changed = await AuditedAsync(context, audit, "role.grant", $"role '{role}' {Describe(request.Permissions)}", () => store.GrantPermissionsAsync(role, request.Permissions ?? [], context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, changed).ConfigureAwait(false);
    }

    private static async Task RevokePermissionsAsync(HttpContext context, AuthStore store, AuditLog audit, string role)
    {
        var request = await Json.ReadAsync<PermissionChangeDto>(context).ConfigureAwait(false);
        var changed = await AuditedAsync(context, audit, "role.revoke", $"role '{role}' {Describe(request.Permissions)}", () => store.RevokePermissionsAsync(role, request.Permissions ?? [], context.RequestAborted).AsTask()).ConfigureAwait(false);
        await Json.WriteAsync(context, changed).ConfigureAwait(false);
    }

    // An administrator lists anyone's tokens (everyone's without ?user=); a user its own.
    private static async Task ListTokensAsync(HttpContext context, AuthStore store, AccessControl access)
    {
        var caller = Caller.Of(context);
        var user = RequestReading.Text(context, "user");
        var admin = !caller.IsRestricted || access.Allows(caller, AuthResources.Admin, "users", null);
        if (!admin)
        {
            if (caller.Kind != PrincipalKind.User || (user is not null && user != caller.Name))
            {
                Caller.Demand(context, AuthResources.Admin, "users", null);
            }

            user = caller.Name;
        }

        await Json.WriteAsync(context, await store.ListTokensAsync(string.IsNullOrEmpty(user) ? null : user, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static async Task CreateTokenAsync(HttpContext context, AuthStore store, AuthSettings settings, AuditLog audit)
    {
        var request = await Json.ReadAsync<CreateTokenDto>(context).ConfigureAwait(false);
        TimeSpan? ttl = null;
        if (!string.IsNullOrEmpty(request.Ttl))
        {
            if (!Durations.TryParse(request.Ttl, out var parsed) || parsed <= TimeSpan.Zero)
            {
                throw new InvalidArgumentException($"'ttl' must be a positive duration ({Durations.Forms}), e.g. 90d; got '{request.Ttl}'.");
            }

            ttl = parsed;
        }

        if (settings.MaxApiTokenTtl is { } max && (ttl is null || ttl > max))
        {
            throw new InvalidArgumentException($"An API token may be made for at most {Durations.Format(max)} (Auth:MaxApiTokenTtl); give a 'ttl' up to that.");
        }

        var token = await AuditedAsync(context, audit, "token.create", $"user '{request.User}' name '{request.Name}' ttl {request.Ttl ?? "none"}", () => store.CreateTokenAsync(request.User, request.Name ?? "", ttl, context.RequestAborted).AsTask()).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await Json.WriteAsync(context, token).ConfigureAwait(false);
    }

    // An administrator revokes any token; a user its own.
    private static async Task RevokeTokenAsync(HttpContext context, AuthStore store, AccessControl access, AuditLog audit, string id)
    {
        var caller = Caller.Of(context);
        if (caller.IsRestricted && !access.Allows(caller, AuthResources.Admin, "users", null))
        {
            var own = caller.Kind == PrincipalKind.User
                && (await store.ListTokensAsync(caller.Name, context.RequestAborted).ConfigureAwait(false)).Tokens.Any(t => t.Id == id);
            if (!own)
            {
                Caller.Demand(context, AuthResources.Admin, "users", null);
            }
        }

        await AuditedAsync(context, audit, "token.revoke", $"token {id}", () => store.RevokeTokenAsync(id, context.RequestAborted).AsTask()).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static string What(HttpContext context) => $"{context.Request.Method} {context.Request.Path}";

    private static string Describe(List<PermissionDto>? permissions) =>
        "[" + string.Join("; ", (permissions ?? []).Select(p =>
            $"{p.Resource}:{string.Join(",", p.Actions ?? [])} {(p.RangeEnd is not null ? $"[{p.Key}, {p.RangeEnd})" : p.Prefix ? p.Key + "*" : p.Key)}")) + "]";

    // 201 with the Location of what was made under PREFIX/COLLECTION, and it.
    private static Task CreatedAsync<T>(HttpContext context, string collection, string name, T made)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"{Prefix}/{collection}/{Uri.EscapeDataString(name)}";
        return Json.WriteAsync(context, made);
    }

    private static async Task AuditedAsync(HttpContext context, AuditLog audit, string @event, string what, Func<Task> change) =>
        await AuditedAsync(context, audit, @event, what, async () =>
        {
            await change().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    // Runs an administrative change and writes its audit line, with its outcome.
    private static async Task<T> AuditedAsync<T>(HttpContext context, AuditLog audit, string @event, string what, Func<Task<T>> change)
    {
        AuditMark.Set(context);
        AuthenticationMiddleware.KeepOnRevoke(context);
        var caller = Caller.Of(context);
        var line = $"{What(context)} {what}".TrimEnd();
        try
        {
            var result = await change().ConfigureAwait(false);
            audit.Write(@event, caller.Name, Caller.From(context), line, "ok");
            return result;
        }
        catch (CairnException ex)
        {
            audit.Write(@event, caller.Name, Caller.From(context), $"{line} -> {ex.Code}", "failed");
            throw;
        }
    }
}
