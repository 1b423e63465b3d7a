using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Core;

/// <summary>
/// The auth core on a real keyspace: <see cref="AuthStore"/> writes users, roles and tokens under <c>/cairn/auth/</c>, and
/// <see cref="AccessControl"/> (fed by its watch) decides. Each backend is one small derived class; the server's clock is
/// a fake one, so expiry is tested without waiting.
/// </summary>
public abstract partial class AuthCoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-auth-").FullName;
    private IKeyspace? _store;

    /// <summary>The backend the stores come from.</summary>
    protected abstract Backend Provider { get; }

    private protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    private protected IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private protected AccessControl Access { get; private set; } = null!;

    private protected AuthStore Auth { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _store = await Provider.OpenEmptyAsync(_dir);
        (Access, Auth) = await NodeAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Another node on the same keyspace: its own copy of the settings, kept by its own watch.</summary>
    private protected async Task<(AccessControl Access, AuthStore Auth)> NodeAsync()
    {
        var options = new AuthOptions { BcryptCost = 4 };
        var access = new AccessControl(Store, options, Clock, NullLogger<AccessControl>.Instance);
        _owned.Add(access);
        using var timeout = new CancellationTokenSource(Deadline);
        await access.InitializeAsync(timeout.Token);
        return (access, new AuthStore(Store, access, Clock, options));
    }

    /// <summary>A user with a password and roles.</summary>
    private protected async Task AddUserAsync(string name, params string[] roles) =>
        await Auth.AddUserAsync(new CreateUserDto { Name = name, Password = "pw-" + name, Roles = [.. roles] }, default);

    /// <summary>A role with permissions (resource, actions, key, prefix).</summary>
    private protected async Task AddRoleAsync(string name, params PermissionDto[] permissions) =>
        await Auth.AddRoleAsync(new RoleDto { Name = name, Permissions = [.. permissions] }, default);

    private protected static PermissionDto Grant(string resource, string actions, string key = "", bool prefix = false, string? rangeEnd = null) =>
        new() { Resource = resource, Actions = [.. actions.Split(',')], Key = key, Prefix = prefix, RangeEnd = rangeEnd };

    /// <summary>Adds root (with the root role) and turns auth on.</summary>
    private protected async Task EnableAsync()
    {
        await AddUserAsync(AuthStore.RootUser, AuthStore.RootRole);
        await Auth.EnableAsync(default);
    }

    private protected Principal User(string name, AccessControl? access = null) =>
        (access ?? Access).ForUser(name, "certificate") ?? throw new InvalidOperationException($"No user {name}.");

    private protected static Task EventuallyAsync(Func<bool> condition, string what) => Eventually.UntilAsync(condition, Deadline, what);

    [Fact]
    public async Task Enable_IsRefused_WithoutARootUserHavingTheRootRole()
    {
        var none = await Assert.ThrowsAsync<ConflictException>(async () => await Auth.EnableAsync(default));
        Assert.Contains("cairn user add root", none.Message, StringComparison.Ordinal);
        Assert.Contains("cairn user grant-role root root", none.Message, StringComparison.Ordinal);

        await AddUserAsync(AuthStore.RootUser);
        await Assert.ThrowsAsync<ConflictException>(async () => await Auth.EnableAsync(default));
        Assert.False(Access.Enabled);

        await Auth.GrantRoleAsync(AuthStore.RootUser, AuthStore.RootRole, default);
        await Auth.EnableAsync(default);
        Assert.True(Access.Enabled);
        Assert.NotNull(Access.NodeToken);
        Assert.StartsWith("cairnnode_", Access.NodeToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_AllowsEveryone_AndUnloadedFailsClosed()
    {
        await AddUserAsync("alice");
        Assert.False(Access.Enabled);
        Assert.True(Access.Allows(User("alice"), AuthResources.Kv, "write", "/x"));

        var unloaded = new AccessControl(Store, new AuthOptions { BcryptCost = 4 }, Clock, NullLogger<AccessControl>.Instance);
        await using (unloaded)
        {
            Assert.True(unloaded.Enabled);
            Assert.Null(unloaded.ForUser("alice", "certificate"));
            Assert.False(unloaded.Allows(User("alice"), AuthResources.Kv, "read", "/x"));
            Assert.Null(await unloaded.AuthenticatePasswordAsync("alice", "pw-alice", default));
        }
    }

    [Fact]
    public async Task KvGrants_CoverKeysPrefixesAndRanges_AndTheirUnion()
    {
        await EnableAsync();
        await AddRoleAsync("reader",
            Grant(AuthResources.Kv, "read", "/app/", prefix: true),
            Grant(AuthResources.Kv, "read", "/b/a", rangeEnd: "/b/m"),
            Grant(AuthResources.Kv, "read", "/b/m", rangeEnd: "/b/z"),
            Grant(AuthResources.Kv, "read,write", "/one"));
        await AddUserAsync("alice", "reader");
        var alice = User("alice");

        Assert.True(Access.Allows(alice, AuthResources.Kv, "read", "/app/x"));
        Assert.True(Access.Allows(alice, AuthResources.Kv, "write", "/one"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "write", "/app/x"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "read", "/one/more"));
        Assert.False(Access.Allows(alice, AuthResources.Kv, "read", null));

        Assert.True(Access.AllowsRange(alice, KeyRange.Single("/one"), "read"));
        Assert.True(Access.AllowsRange(alice, KeyRange.Prefix("/app/"), "read"));
        Assert.True(Access.AllowsRange(alice, KeyRange.Prefix("/app/sub/"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Prefix("/app"), "read"));
        Assert.True(Access.AllowsRange(alice, KeyRange.Between("/b/c", "/b/y"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.Between("/b/c", "/b/zz"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.FromKey("/b/c"), "read"));
        Assert.False(Access.AllowsRange(alice, KeyRange.All, "read"));
        Assert.True(Access.AllowsPrefix(alice, AuthResources.Kv, "read", "/app/x"));
        Assert.False(Access.AllowsPrefix(alice, AuthResources.Kv, "read", "/ap"));
    }
}
