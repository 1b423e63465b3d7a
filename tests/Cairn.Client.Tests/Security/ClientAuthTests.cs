using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests.Security;

/// <summary>
/// The client against a real server with auth on (SQLite, over TCP: a Unix socket peer of the server's own uid is root):
/// the API of <c>/v1/auth</c>, every kind of credential on plain requests and on watch streams, renewal of an expired
/// login, a token file written while the client runs, and the typed refusals.
/// </summary>
public sealed class ClientAuthTests : IAsyncLifetime
{
    private const string RootPassword = "root-pw";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly FakeClockServerFixture _server = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-clientauth-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server.Settings["Auth:BcryptCost"] = "4";
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private CairnClient Client(string? token = null, string? user = null, string? password = null, string? tokenFile = null) =>
        new(new CairnClientOptions { Endpoint = _server.TcpEndpoint, Token = token, User = user, Password = password, TokenFile = tokenFile, Timeout = Deadline });

    private CairnClient Root() => Client(user: "root", password: RootPassword);

    // etcd's bootstrap: a root user with the root role, then enable (anyone may, while auth is off).
    private async Task EnableAsync()
    {
        using var anyone = Client();
        await anyone.AddUserAsync("root", RootPassword);
        await anyone.GrantRoleAsync("root", "root");
        var status = await anyone.EnableAuthAsync();
        Assert.True(status.Enabled);
    }

    [Fact]
    public async Task AfterEnable_NoCredentialIsUnauthenticated_AndALoggedInUserReadsWritesAndWatches()
    {
        await EnableAsync();
        using var anonymous = Client();
        using var root = Root();

        var refused = await Assert.ThrowsAsync<UnauthenticatedException>(() => anonymous.PutAsync("/app/k", "v"));
        var put = await root.PutAsync("/app/k", "v");
        using var watching = new CancellationTokenSource(Deadline);
        var watch = root.WatchAsync("/app/", prefix: true, fromRevision: put.Revision, cancellationToken: watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await watch.MoveNextAsync());
        var watched = watch.Current;
        var status = await root.AuthStatusAsync();
        await watch.DisposeAsync();

        Assert.Null(await root.GetStringAsync("/app/missing"));
        Assert.Equal("/app/k", watched.Kv.Key);
        Assert.Equal("root", status.User);
        Assert.Equal("token", status.Via);
        Assert.Contains("root", status.Roles);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task UsersRolesAndPermissions_AreManaged_AndAKnownCallerWithoutThePermission_IsDenied()
    {
        await EnableAsync();
        using var root = Root();
        await root.AddRoleAsync("app-writer", [new PermissionDto { Resource = "kv", Actions = ["read", "write"], Key = "/app/", Prefix = true }]);
        var alice = await root.AddUserAsync("alice", "alice-pw", ["app-writer"]);
        using var asAlice = Client(user: "alice", password: "alice-pw");

        await asAlice.PutAsync("/app/a", "1");
        var denied = await Assert.ThrowsAsync<PermissionDeniedException>(() => asAlice.PutAsync("/other/a", "1"));
        var role = await root.RevokePermissionsAsync("app-writer", [new PermissionDto { Resource = "kv", Actions = ["write"], Key = "/app/", Prefix = true }]);
        var deniedNow = await Assert.ThrowsAsync<PermissionDeniedException>(() => asAlice.PutAsync("/app/b", "1"));
        var stillReads = await asAlice.GetStringAsync("/app/a");
        var users = await root.ListUsersAsync();
        var roles = await root.ListRolesAsync();
        var removed = await root.RemoveUserAsync("alice");
        var gone = await root.GetUserAsync("alice");

        Assert.Equal(["app-writer"], alice.Roles);
        Assert.True(alice.HasPassword);
        Assert.Equal(("kv", "write"), (denied.Resource, denied.Action));
        Assert.Equal(["read"], Assert.Single(role.Permissions).Actions);
        Assert.Equal("write", deniedNow.Action);
        Assert.Equal("1", stillReads);
        Assert.Equal(["alice", "root"], users.Select(u => u.Name).Order(StringComparer.Ordinal));
        Assert.Contains(roles, r => r.Name == "root");
        Assert.True(removed);
        Assert.Null(gone);
        await Assert.ThrowsAsync<UnauthenticatedException>(() => asAlice.GetStringAsync("/app/a"));
    }

    [Fact]
    public async Task AnExpiredLogin_IsRenewed_AndTheRequestSucceeds_WhileTheOldTokenIsRefused()
    {
        await EnableAsync();
        using var root = Root();
        await root.PutAsync("/k", "1");
        var first = await root.LoginAsync("root", RootPassword);
        using var holder = Client(token: first.Token);
        await holder.GetStringAsync("/k");

        _server.Clock.Advance(TimeSpan.FromHours(2));
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await holder.GetStringAsync("/k");
                return false;
            }
            catch (UnauthenticatedException)
            {
                return true;
            }
        }, Deadline, "the first login token has expired on the server's clock");
        await root.PutAsync("/k", "2");

        Assert.Equal("2", await root.GetStringAsync("/k"));
    }

    [Fact]
    public async Task ATokenFileWrittenByALogin_IsPickedUpByAClientThatIsAlreadyRunning()
    {
        await EnableAsync();
        var file = Path.Combine(_directory, "token");
        using var client = Client(tokenFile: file);
        await Assert.ThrowsAsync<UnauthenticatedException>(() => client.GetStringAsync("/k"));

        using (var login = Client())
        {
            var token = await login.LoginAsync("root", RootPassword);
            CairnTokenFile.Write(file, new CairnStoredToken(login.Endpoint, token.User, token.Token, token.Id, token.ExpiresAt));
        }

        await client.PutAsync("/k", "v");
        Assert.Equal("root", (await client.AuthStatusAsync()).User);
    }

    [Fact]
    public async Task AnApiToken_Works_UntilRevoked_AndThenAnOpenWatchEnds_WithUnauthenticated()
    {
        await EnableAsync();
        using var root = Root();
        await root.AddRoleAsync("reader", [new PermissionDto { Resource = "kv", Actions = ["read"], Key = "", Prefix = true }]);
        await root.AddUserAsync("svc", null, ["reader"]);
        var made = await root.CreateTokenAsync("svc", "indexer", "30d");
        using var service = Client(token: made.Token);

        var put = await root.PutAsync("/w/1", "x");
        using var watching = new CancellationTokenSource(Deadline);
        var watch = service.WatchAsync("/w/", prefix: true, fromRevision: put.Revision, cancellationToken: watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await watch.MoveNextAsync());
        var listed = await root.ListTokensAsync("svc");
        Assert.True(await root.RevokeTokenAsync(made.Id));

        var ended = await Assert.ThrowsAsync<UnauthenticatedException>(async () =>
        {
            while (await watch.MoveNextAsync())
            {
            }
        });
        await watch.DisposeAsync();

        Assert.StartsWith("cairnapi_", made.Token, StringComparison.Ordinal);
        Assert.NotNull(made.ExpiresAt);
        var token = Assert.Single(listed);
        Assert.Equal((made.Id, "api", "indexer"), (token.Id, token.Kind, token.Name));
        Assert.DoesNotContain(made.Token, ended.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnauthenticatedException>(() => service.GetStringAsync("/w/1"));
    }

    [Fact]
    public async Task Logout_EndsTheSession_AndAPasswordChange_EndsTheOthers()
    {
        await EnableAsync();
        using var root = Root();
        await root.AddUserAsync("bob", "bob-pw", ["root"]);
        using var bob = Client();
        var session = await bob.LoginAsync("bob", "bob-pw");
        using var other = Client(token: (await Client().LoginAsync("bob", "bob-pw")).Token);
        await other.GetStringAsync("/k");

        await bob.LogoutAsync();
        using var loggedOut = Client(token: session.Token);
        await Assert.ThrowsAsync<UnauthenticatedException>(() => loggedOut.GetStringAsync("/k"));
        await root.SetPasswordAsync("bob", "new-pw");

        await Assert.ThrowsAsync<UnauthenticatedException>(() => other.GetStringAsync("/k"));
        await Assert.ThrowsAsync<UnauthenticatedException>(() => Client(user: "bob", password: "bob-pw").GetStringAsync("/k"));
        Assert.Null(await Client(user: "bob", password: "new-pw").GetStringAsync("/k"));
    }

    [Fact]
    public async Task DisableAuth_OpensTheServerAgain()
    {
        await EnableAsync();
        using var root = Root();
        using var anonymous = Client();

        var status = await root.DisableAuthAsync();
        await anonymous.PutAsync("/open", "again");

        Assert.False(status.Enabled);
        Assert.False((await anonymous.AuthStatusAsync()).Enabled);
    }
}
