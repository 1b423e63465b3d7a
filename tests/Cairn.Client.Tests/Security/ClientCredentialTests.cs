using Cairn.Core;

namespace Cairn.Client.Tests.Security;

/// <summary>What the client sends, and when it logs in, with each kind of credential (against <see cref="FakeAuthServer"/>).</summary>
public sealed class ClientCredentialTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-cred-" + Guid.NewGuid().ToString("N")[..12]);
    private FakeAuthServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeAuthServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AToken_IsSentAsBearer_WithEveryRequest()
    {
        _server.Accept("cairnapi_abc", "svc");
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, Token = "cairnapi_abc" });

        var first = await client.AuthStatusAsync();
        var second = await client.AuthStatusAsync();

        Assert.Equal("svc", first.User);
        Assert.Equal("svc", second.User);
        Assert.All(_server.Seen, header => Assert.Equal("Bearer cairnapi_abc", header));
    }

    [Fact]
    public async Task NoCredential_SendsNoAuthorization_AndARefusalIsUnauthenticated()
    {
        using var client = new CairnClient(_server.Endpoint);

        var error = await Assert.ThrowsAsync<UnauthenticatedException>(() => client.AuthStatusAsync());

        Assert.Null(Assert.Single(_server.Seen));
        Assert.Contains("unknown, expired or revoked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserAndPassword_LogInOnce_OnFirstUse_EvenForConcurrentRequests()
    {
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, User = FakeAuthServer.User, Password = FakeAuthServer.Password });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.AuthStatusAsync()));

        Assert.All(answers, a => Assert.Equal(FakeAuthServer.User, a.User));
        Assert.Equal(1, _server.Logins);
        Assert.All(_server.Seen, header => Assert.Equal("Bearer cairn_login1", header));
    }

    [Fact]
    public async Task UserAndPassword_LogInAgain_WhenTheSessionEnds_AndTheRequestIsSentOnceMore_WithItsBody()
    {
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, User = FakeAuthServer.User, Password = FakeAuthServer.Password });
        await client.AuthStatusAsync();

        _server.EndAll();
        var added = await client.AddUserAsync("bob", "pw");

        Assert.Equal("bob", added.Name);
        Assert.True(added.HasPassword);
        Assert.Equal(2, _server.Logins);
        Assert.Equal(["Bearer cairn_login1", "Bearer cairn_login1", "Bearer cairn_login2"], _server.Seen);
    }

    [Fact]
    public async Task AWrongPassword_IsUnauthenticated_WithTheServersReason_AndNoSecretInTheMessage()
    {
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, User = FakeAuthServer.User, Password = "not-it-xyz" });

        var error = await Assert.ThrowsAsync<UnauthenticatedException>(() => client.AuthStatusAsync());

        Assert.Contains("Wrong user name or password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it-xyz", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Seen);
    }

    [Fact]
    public async Task LoginAsync_SendsNoOtherCredential_ThenTheClientUsesTheSession_UntilLogout()
    {
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, Token = "cairnapi_stale" });

        var login = await client.LoginAsync(FakeAuthServer.User, FakeAuthServer.Password);
        var status = await client.AuthStatusAsync();
        await client.LogoutAsync();
        var afterLogout = await Assert.ThrowsAsync<UnauthenticatedException>(() => client.AuthStatusAsync());

        Assert.Equal("cairn_login1", login.Token);
        Assert.Equal(FakeAuthServer.User, status.User);
        Assert.Equal(["Bearer cairn_login1", "Bearer cairn_login1", "Bearer cairnapi_stale"], _server.Seen);
        Assert.DoesNotContain("cairnapi_stale", afterLogout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenFile_IsReadAgain_WhenItChanges()
    {
        var file = Path.Combine(_directory, "token");
        _server.Accept("cairn_first", "alice");
        _server.Accept("cairn_second", "bob");
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, TokenFile = file });

        var before = await Assert.ThrowsAsync<UnauthenticatedException>(() => client.AuthStatusAsync());
        CairnTokenFile.Write(file, new CairnStoredToken(client.Endpoint, "alice", "cairn_first"));
        var first = await client.AuthStatusAsync();
        CairnTokenFile.Write(file, new CairnStoredToken(client.Endpoint, "bob", "cairn_second"));
        var second = await client.AuthStatusAsync();

        Assert.NotNull(before);
        Assert.Equal("alice", first.User);
        Assert.Equal("bob", second.User);
        Assert.Equal([null, "Bearer cairn_first", "Bearer cairn_second"], _server.Seen);
    }

    [Fact]
    public async Task ATokenFile_OfAnotherEndpoint_IsNotSent()
    {
        var file = Path.Combine(_directory, "token");
        _server.Accept("cairn_elsewhere", "alice");
        CairnTokenFile.Write(file, new CairnStoredToken("http://127.0.0.1:1", "alice", "cairn_elsewhere"));
        using var client = new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, TokenFile = file });

        await Assert.ThrowsAsync<UnauthenticatedException>(() => client.AuthStatusAsync());

        Assert.Null(Assert.Single(_server.Seen));
    }

    [Fact]
    public void AUserWithoutAPassword_IsRefusedAtOnce_NamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, User = "alice" }));

        Assert.Contains("without a password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cairn_abc def")]
    [InlineData("cairn_abc\nX-Injected: 1")]
    [InlineData("cairn_é")]
    public void AMalformedToken_IsRefusedAtOnce_WithoutEchoingIt(string token)
    {
        var error = Assert.Throws<ArgumentException>(() => new CairnClient(new CairnClientOptions { Endpoint = _server.Endpoint, Token = token }));

        Assert.DoesNotContain("cairn_", error.Message, StringComparison.Ordinal);
    }
}
