using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Core;

/// <summary>Users, roles and permissions as an operator manages them.</summary>
public abstract partial class AuthCoreTests
{
    [Fact]
    public async Task Users_AreAddedListedGrantedRevokedAndRemoved()
    {
        await AddRoleAsync("ops", Grant(AuthResources.Admin, "status"));
        var added = await Auth.AddUserAsync(new CreateUserDto { Name = "alice", Password = "secret", Roles = ["ops"] }, default);
        await Auth.AddUserAsync(new CreateUserDto { Name = "svc" }, default);

        Assert.Equal(["ops"], added.Roles);
        Assert.True(added.HasPassword);
        Assert.Equal(Clock.GetUtcNow(), added.CreatedAt);
        Assert.False((await Auth.GetUserAsync("svc", default)).HasPassword);
        Assert.Equal(["alice", "svc"], (await Auth.ListUsersAsync(default)).Users.Select(u => u.Name));
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = "alice" }, default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = "bob", Roles = ["nope"] }, default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GetUserAsync("bob", default));

        await Auth.GrantRoleAsync("svc", "ops", default);
        await Auth.GrantRoleAsync("svc", "ops", default);
        Assert.Equal(["ops"], (await Auth.GetUserAsync("svc", default)).Roles);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GrantRoleAsync("svc", "nope", default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GrantRoleAsync("nobody", "ops", default));

        await Auth.RevokeRoleAsync("svc", "ops", default);
        Assert.Empty((await Auth.GetUserAsync("svc", default)).Roles);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RevokeRoleAsync("svc", "ops", default));

        await Auth.RemoveUserAsync("svc", default);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GetUserAsync("svc", default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RemoveUserAsync("svc", default));
        Assert.Null(Access.ForUser("svc", "peer"));
    }

    [Fact]
    public async Task Roles_AreAddedGrantedRevokedAndRemoved_AndRootIsBuiltIn()
    {
        var role = await Auth.AddRoleAsync(new RoleDto { Name = "app", Permissions = [Grant(AuthResources.Kv, "read", "/app/", prefix: true)] }, default);
        Assert.Single(role.Permissions);
        await Assert.ThrowsAsync<ConflictException>(async () => await AddRoleAsync("app"));

        // A grant on the same names gains actions; another is added; * is every action of the resource.
        role = await Auth.GrantPermissionsAsync("app", [Grant(AuthResources.Kv, "write", "/app/", prefix: true), Grant(AuthResources.Jobs, "*", "etl/", prefix: true)], default);
        Assert.Equal(2, role.Permissions.Count);
        Assert.Equal(["read", "write"], role.Permissions.Single(p => p.Resource == AuthResources.Kv).Actions);
        Assert.Equal(["cancel", "launch", "read", "work"], role.Permissions.Single(p => p.Resource == AuthResources.Jobs).Actions);

        role = await Auth.RevokePermissionsAsync("app", [Grant(AuthResources.Kv, "write", "/app/", prefix: true), Grant(AuthResources.Jobs, "*", "etl/", prefix: true)], default);
        Assert.Equal(["read"], Assert.Single(role.Permissions).Actions);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RevokePermissionsAsync("app", [Grant(AuthResources.Kv, "read", "/other")], default));
        Assert.Equal(["read"], (await Auth.GetRoleAsync("app", default)).Permissions.Single().Actions);

        var roles = (await Auth.ListRolesAsync(default)).Roles;
        Assert.Equal(["app", "root"], roles.Select(r => r.Name));
        Assert.All(roles.Single(r => r.Name == "root").Permissions, p => Assert.Equal(["*"], p.Actions));
        Assert.Equal("root", (await Auth.GetRoleAsync("root", default)).Name);
        await Assert.ThrowsAsync<ConflictException>(async () => await AddRoleAsync("root"));
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.RemoveRoleAsync("root", default));
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.GrantPermissionsAsync("root", [Grant(AuthResources.Kv, "read", "/x")], default));

        // Removing a role takes it from its holders.
        await AddUserAsync("alice", "app");
        await Auth.RemoveRoleAsync("app", default);
        Assert.Empty((await Auth.GetUserAsync("alice", default)).Roles);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GetRoleAsync("app", default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RemoveRoleAsync("app", default));
    }

    [Theory]
    [InlineData("kvv", "read", null, "kvv")]
    [InlineData("kv", "append", null, "append")]
    [InlineData("journal", "read", "/z", "range end")]
    [InlineData("kv", "", null, "no action")]
    public async Task Permissions_ThatDoNotExist_AreRefused_NamingTheFault(string resource, string actions, string? rangeEnd, string named)
    {
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await AddRoleAsync("bad", new PermissionDto { Resource = resource, Actions = actions.Length == 0 ? [] : [actions], Key = "/a", RangeEnd = rangeEnd }));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.GetRoleAsync("bad", default));
    }

    [Fact]
    public async Task Permissions_WithBadNames_AreRefused()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await AddRoleAsync("r", Grant(AuthResources.Kv, "read", new string('k', 4097))));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await AddRoleAsync("r", Grant(AuthResources.Kv, "read", "/b", rangeEnd: "/a")));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await AddRoleAsync("r", Grant(AuthResources.Kv, "read", "/a", prefix: true, rangeEnd: "/b")));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await AddRoleAsync("r", Grant(AuthResources.Blobs, "read", "")));
        await AddRoleAsync("r", Grant(AuthResources.Kv, "read", new string('k', 4096)), Grant(AuthResources.Admin, "status", "ignored"));
        Assert.Equal("", (await Auth.GetRoleAsync("r", default)).Permissions.Single(p => p.Resource == AuthResources.Admin).Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("ünï")]
    public async Task Names_OutsideTheRules_AreRefused(string name)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = name }, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await AddRoleAsync(name));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Auth.GetUserAsync(name, default));
    }

    [Fact]
    public async Task Names_TooLong_AreRefused_AndTheLongestIsAccepted()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = new string('u', AuthNames.MaxLength + 1) }, default));
        await Auth.AddUserAsync(new CreateUserDto { Name = new string('u', AuthNames.MaxLength) }, default);
        await Auth.AddUserAsync(new CreateUserDto { Name = "svc.build_1@ci-2" }, default);
    }

    [Fact]
    public async Task Root_CannotBeRemovedNorLoseTheRootRole_WhileAuthIsOn()
    {
        await EnableAsync();
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.RemoveUserAsync(AuthStore.RootUser, default));
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.RevokeRoleAsync(AuthStore.RootUser, AuthStore.RootRole, default));
        Assert.NotNull(Access.ForUser(AuthStore.RootUser, "peer"));

        await Auth.DisableAsync(default);
        Assert.False(Access.Enabled);
        await Auth.RevokeRoleAsync(AuthStore.RootUser, AuthStore.RootRole, default);
        await Auth.RemoveUserAsync(AuthStore.RootUser, default);
    }

    [Fact]
    public async Task Passwords_TooLongOrEmpty_AreRefused()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = "a", Password = "" }, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(async () => await Auth.AddUserAsync(new CreateUserDto { Name = "a", Password = new string('p', 73) }, default));
        await Auth.AddUserAsync(new CreateUserDto { Name = "a", Password = new string('p', 72) }, default);
        Assert.NotNull(await Access.AuthenticatePasswordAsync("a", new string('p', 72), default));
    }
}
