using Cairn.Contracts;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Core;

/// <summary><see cref="Principal.Revoked"/>: a principal ends when what it was made from changes, and only then.</summary>
public abstract partial class AuthCoreTests
{
    [Fact]
    public async Task Revoked_Fires_WhenTheUserIsRemoved()
    {
        await AddUserAsync("alice");
        await AddUserAsync("bob");
        var alice = User("alice");
        var aliceToken = Access.Authenticate((await Auth.CreateTokenAsync("alice", "x", null, default)).Token)!;
        var bob = User("bob");

        await Auth.RemoveUserAsync("alice", default);

        Assert.True(alice.Revoked.IsCancellationRequested);
        Assert.True(aliceToken.Revoked.IsCancellationRequested);
        Assert.False(bob.Revoked.IsCancellationRequested);
    }

    [Fact]
    public async Task Revoked_Fires_WhenTheUsersRolesOrARoleOfItChange_AndNewPrincipalsAreNotRevoked()
    {
        await AddRoleAsync("app", Grant(AuthResources.Kv, "read", "/app/", prefix: true));
        await AddRoleAsync("other", Grant(AuthResources.Kv, "read", "/other/", prefix: true));
        await AddUserAsync("alice", "app");
        await AddUserAsync("bob", "other");

        var before = User("alice");
        var bob = User("bob");
        await Auth.GrantPermissionsAsync("app", [Grant(AuthResources.Kv, "write", "/app/", prefix: true)], default);
        Assert.True(before.Revoked.IsCancellationRequested);
        Assert.False(bob.Revoked.IsCancellationRequested);

        var after = User("alice");
        Assert.False(after.Revoked.IsCancellationRequested);
        await Auth.GrantRoleAsync("alice", "other", default);
        Assert.True(after.Revoked.IsCancellationRequested);
        Assert.False(bob.Revoked.IsCancellationRequested);

        var third = User("alice");
        await Auth.RemoveRoleAsync("other", default);
        Assert.True(third.Revoked.IsCancellationRequested);
        Assert.True(bob.Revoked.IsCancellationRequested);
    }

    [Fact]
    public async Task Revoked_Fires_WhenAuthIsTurnedOff()
    {
        await EnableAsync();
        await AddUserAsync("alice");
        var alice = User("alice");
        var node = Access.Authenticate(Access.NodeToken!)!;

        await Auth.DisableAsync(default);

        Assert.True(alice.Revoked.IsCancellationRequested);
        Assert.True(node.Revoked.IsCancellationRequested);
        Assert.False(Access.Enabled);
    }

    [Fact]
    public async Task Revoked_Fires_ForEveryPrincipal_WhenTheNodeStops()
    {
        await AddUserAsync("alice");
        var (second, _) = await NodeAsync();
        var alice = User("alice", second);

        await second.DisposeAsync();

        Assert.True(alice.Revoked.IsCancellationRequested);
    }
}
