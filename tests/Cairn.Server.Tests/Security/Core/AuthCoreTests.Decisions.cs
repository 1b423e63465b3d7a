using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Core;

/// <summary>What a caller may do, by kind of caller and by resource.</summary>
public abstract partial class AuthCoreTests
{
    [Fact]
    public async Task AuthKeys_AreRootsOnly_EvenForAGrantOfEveryKey()
    {
        await EnableAsync();
        await AddRoleAsync("all", Grant(AuthResources.Kv, "read,write", "", prefix: true));
        await AddUserAsync("alice", "all");
        var alice = User("alice");
        var root = User(AuthStore.RootUser);

        Assert.True(Access.AllowsRange(alice, KeyRange.Prefix("/app/"), "write"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "read", AuthKeys.Users + "alice"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Single(AuthKeys.Enabled), "write"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Prefix("/cairn/"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.All, "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Between("/a", "/d"), "read"));
        Assert.False(Access.AllowsPrefix(alice, AuthResources.Kv, "read", "/cairn/au"));
        Assert.False(Access.AllowsPrefix(alice, AuthResources.Kv, "read", ""));

        Assert.True(Access.AllowsRange(root, KeyRange.All, "write"));
        Assert.True(Access.Allows(root, AuthResources.Kv, "read", AuthKeys.Users + "alice"));
        Assert.True(Access.Allows(root, AuthResources.Admin, "users", null));
        Assert.Contains(AuthStore.RootRole, Access.RolesOf(root));
    }

    [Fact]
    public async Task ServerKeys_UnderCairn_NeedAGrantNamingThem_NotJustOneOfEveryKey()
    {
        await EnableAsync();
        await AddRoleAsync("all", Grant(AuthResources.Kv, "read", "", prefix: true), Grant(AuthResources.Kv, "write", "/", prefix: true));
        await AddRoleAsync("nodes", Grant(AuthResources.Kv, "read", "/cairn/nodes/", prefix: true));
        await AddUserAsync("alice", "all");
        await AddUserAsync("ops", "all", "nodes");
        var alice = User("alice");
        var ops = User("ops");

        Assert.True(Access.AllowsRange(alice, KeyRange.Between("/a", "/c"), "read"));
        Assert.True(Access.AllowsRange(alice, KeyRange.Prefix("/d"), "read"));
        Assert.True(Access.Allows(alice, AuthResources.Kv, "write", "/app/x"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "read", "/cairn/nodes/n1"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "write", "/cairn/nodes/n1"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Prefix("/cairn/"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Between("/a", "/d"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.FromKey("/b"), "read"));
        Assert.True(Access.AllowsRange(alice, KeyRange.FromKey("/d"), "read"));
        Assert.False(Access.AllowsPrefix(alice, AuthResources.Kv, "read", "/"));

        Assert.True(Access.Allows(ops, AuthResources.Kv, "read", "/cairn/nodes/n1"));
        Assert.True(Access.AllowsRange(ops, KeyRange.Prefix("/cairn/nodes/"), "read"));
        Assert.False(Access.AllowsRange(ops, KeyRange.Prefix("/cairn/"), "read"));
        Assert.False(Access.Allows(ops, AuthResources.Kv, "write", "/cairn/nodes/n1"));
        Assert.False(Access.Allows(ops, AuthResources.Kv, "read", "/cairn/volumes/v1"));
    }

    [Fact]
    public async Task NamedResources_AreGrantedByNameOrPrefix_AndUnnamedOnesWhole()
    {
        await EnableAsync();
        await AddRoleAsync("worker",
            Grant(AuthResources.Jobs, "launch", "script:etl/", prefix: true),
            Grant(AuthResources.Extensions, "call", "search"),
            Grant(AuthResources.Admin, "status"));
        await AddUserAsync("w", "worker");
        var w = User("w");

        Assert.True(Access.Allows(w, AuthResources.Jobs, "launch", "script:etl/daily.sh"));
        Assert.False(Access.Allows(w, AuthResources.Jobs, "launch", "script:other.sh"));
        Assert.False(Access.Allows(w, AuthResources.Jobs, "cancel", "script:etl/daily.sh"));
        Assert.False(Access.Allows(w, AuthResources.Jobs, "launch", null));
        Assert.True(Access.AllowsPrefix(w, AuthResources.Jobs, "launch", "script:etl/sub/"));
        Assert.False(Access.AllowsPrefix(w, AuthResources.Jobs, "launch", "script:"));
        Assert.True(Access.Allows(w, AuthResources.Extensions, "call", "search"));
        Assert.False(Access.Allows(w, AuthResources.Extensions, "call", "search2"));
        Assert.True(Access.Allows(w, AuthResources.Admin, "status", null));
        Assert.True(Access.Allows(w, AuthResources.Admin, "status", "anything"));
        Assert.False(Access.Allows(w, AuthResources.Admin, "snapshot", null));
        Assert.False(Access.Allows(w, AuthResources.Internal, "read", null));
        Assert.Equal(["worker"], Access.RolesOf(w));
    }

    [Fact]
    public async Task Anonymous_GetsOnlyItsListenersRoles_AndTheNodeOnlyItsThreeReads()
    {
        await EnableAsync();
        await AddRoleAsync("appender", Grant(AuthResources.Journal, "append", "", prefix: true));

        Assert.False(Access.Allows(Principal.Anonymous, AuthResources.Journal, "append", "tx1"));
        var listener = Access.ForListener(["appender"]);
        Assert.Equal("listener", listener.Via);
        Assert.True(Access.Allows(listener, AuthResources.Journal, "append", "tx1"));
        Assert.False(Access.Allows(listener, AuthResources.Journal, "read", "tx1"));
        Assert.False(Access.Allows(Access.ForListener(["missing"]), AuthResources.Journal, "append", "tx1"));
        Assert.Same(Principal.Anonymous, Access.ForListener([]));

        var node = Access.Authenticate(Access.NodeToken!);
        Assert.NotNull(node);
        Assert.Equal(PrincipalKind.Node, node.Kind);
        Assert.True(Access.Allows(node, AuthResources.Internal, "read", null));
        Assert.True(Access.Allows(node, AuthResources.Blobs, "read", "any/blob"));
        Assert.True(Access.Allows(node, AuthResources.Carts, "read", "c1"));
        Assert.False(Access.Allows(node, AuthResources.Blobs, "write", "any/blob"));
        Assert.False(Access.AllowsRange(node, KeyRange.Single("/x"), "read"));
        Assert.False(Access.Allows(node, AuthResources.Admin, "users", null));

        Assert.True(Access.Allows(Principal.Unrestricted, AuthResources.Admin, "users", null));
    }

    [Fact]
    public async Task APrincipal_LosesWhatItsRoleLoses_AtOnce()
    {
        await EnableAsync();
        await AddRoleAsync("app", Grant(AuthResources.Kv, "read", "/app/", prefix: true));
        await AddUserAsync("alice", "app");
        var alice = User("alice");
        Assert.True(Access.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));

        await Auth.RevokePermissionsAsync("app", [Grant(AuthResources.Kv, "read", "/app/", prefix: true)], default);
        Assert.False(Access.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));

        await Auth.GrantPermissionsAsync("app", [Grant(AuthResources.Kv, "read", "/app/", prefix: true)], default);
        await Auth.RemoveUserAsync("alice", default);
        Assert.False(Access.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));
        Assert.Empty(Access.RolesOf(alice));
    }

    [Fact]
    public async Task KvRange_FromAKeyOn_CoversEverythingAfterIt()
    {
        await EnableAsync();
        await AddRoleAsync("tail", Grant(AuthResources.Kv, "read", "/m", rangeEnd: "\0"));
        await AddUserAsync("t", "tail");
        var t = User("t");

        Assert.True(Access.AllowsRange(t, KeyRange.FromKey("/m"), "read"));
        Assert.True(Access.AllowsRange(t, KeyRange.Prefix("/z"), "read"));
        Assert.False(Access.AllowsRange(t, KeyRange.FromKey("/a"), "read"));
        Assert.False(Access.Allows(t, AuthResources.Kv, "read", "/a"));
    }
}
