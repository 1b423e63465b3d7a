using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Core;

/// <summary>Two nodes on one keyspace: a change made through one is enforced by the other, and none is lost.</summary>
public abstract partial class AuthCoreTests
{
    [Fact]
    public async Task AChangeMadeOnOneNode_IsEnforcedByTheOther()
    {
        var (other, otherAuth) = await NodeAsync();
        await AddRoleAsync("app", Grant(AuthResources.Kv, "read", "/app/", prefix: true));
        await AddUserAsync("alice", "app");
        await EnableAsync();

        await EventuallyAsync(() => other.Enabled && other.ForUser("alice", "peer") is not null, "the second node sees auth on and alice");
        Assert.Equal(Access.NodeToken, other.NodeToken);
        var alice = User("alice", other);
        Assert.True(other.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));

        var login = await otherAuth.LoginAsync("alice", TimeSpan.FromHours(1), default);
        await EventuallyAsync(() => Access.Authenticate(login.Token) is not null, "the first node knows the session made on the second");

        await Auth.RevokePermissionsAsync("app", [Grant(AuthResources.Kv, "read", "/app/", prefix: true)], default);
        await EventuallyAsync(() => alice.Revoked.IsCancellationRequested, "the second node revokes alice's principal");
        Assert.False(other.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));

        // Made after the role change (which ended the principals of every credential of alice's).
        var session = Access.Authenticate(login.Token)!;
        Assert.False(session.Revoked.IsCancellationRequested);

        await otherAuth.RevokeTokenAsync(login.Id, default);
        await EventuallyAsync(() => session.Revoked.IsCancellationRequested, "the first node ends the session revoked on the second");
        Assert.Null(Access.Authenticate(login.Token));
        Assert.Null(other.Authenticate(login.Token));
    }

    [Fact]
    public async Task ConcurrentChangesOnTwoNodes_AreAllKept()
    {
        var (_, otherAuth) = await NodeAsync();
        var roles = Enumerable.Range(0, 6).Select(i => "r" + i).ToList();
        foreach (var role in roles)
        {
            await AddRoleAsync(role);
        }

        await AddUserAsync("alice");
        await Task.WhenAll(roles.Select((role, i) => (i % 2 == 0 ? Auth : otherAuth).GrantRoleAsync("alice", role, default).AsTask()));
        await Task.WhenAll(roles.Select((role, i) => (i % 2 == 0 ? otherAuth : Auth).GrantPermissionsAsync(role, [Grant(AuthResources.Blobs, "read", "b" + i)], default).AsTask()));

        Assert.Equal(roles, (await Auth.GetUserAsync("alice", default)).Roles);
        var alice = User("alice");
        Assert.All(Enumerable.Range(0, 6), i => Assert.True(Access.Allows(alice, AuthResources.Blobs, "read", "b" + i)));
    }

    [Fact]
    public async Task AfterTheHistoryIsCompacted_ANodeStillFollowsChanges()
    {
        await AddUserAsync("alice");
        var (other, _) = await NodeAsync();
        var alice = User("alice", other);

        await Auth.SetPasswordAsync("alice", "changed", default);
        var status = await Store.StatusAsync();
        await Store.CompactAsync(status.Revision);
        await Auth.RemoveUserAsync("alice", default);

        await EventuallyAsync(() => other.ForUser("alice", "peer") is null, "the second node sees alice removed");
        Assert.True(alice.Revoked.IsCancellationRequested);
    }
}
