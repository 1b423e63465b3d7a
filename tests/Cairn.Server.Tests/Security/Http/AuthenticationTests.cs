using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>Who a request is, with auth on: tokens, passwords, Unix peers, anonymous callers; and what each may reach.</summary>
public sealed class AuthenticationTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task Anonymous_GetsUnauthorizedWithWwwAuthenticate_AndNothingIsWritten()
    {
        using var anonymous = fixture.TcpHttp();

        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.PutAsync("/v1/kv/anon-write", new StringContent("x")));
        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.GetAsync("/v1/auth/users"));
        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "intruder", Password = "x", Roles = ["root"] }, WireJson.Options));

        using var root = fixture.UnixHttp();
        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/kv/anon-write")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/auth/users/intruder")).StatusCode);
    }

    [Fact]
    public async Task Status_IsOpenToAnonymous_AndSaysWhoTheCallerIs()
    {
        using var anonymous = fixture.TcpHttp();
        var status = await AuthHttp.StatusAsync(anonymous);
        Assert.True(status.Enabled);
        Assert.Equal("anonymous", status.User);
        Assert.Equal("none", status.Via);

        using var root = fixture.UnixHttp();
        var peer = await AuthHttp.StatusAsync(root);
        Assert.Equal("root", peer.User);
        Assert.Equal("peer", peer.Via);
        Assert.Contains("root", peer.Roles);
    }

    [Fact]
    public async Task UnixSocketPeer_AsTheServersOwnUser_IsRoot()
    {
        using var root = fixture.UnixHttp();
        var put = await root.PutAsync("/v1/kv/peer-root", new StringContent("v"));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await root.GetAsync("/v1/auth/users")).StatusCode);
    }

    [Fact]
    public async Task Login_GivesATokenThatWorks_AndLogoutEndsIt()
    {
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "root", AuthHttp.RootPassword);
        Assert.Equal("root", token.User);
        Assert.NotNull(token.ExpiresAt);

        using var client = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);
        var status = await AuthHttp.StatusAsync(client);
        Assert.Equal("root", status.User);
        Assert.Equal("token", status.Via);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/auth/users")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/v1/auth/logout", null)).StatusCode);
        await AuthHttp.AssertUnauthenticatedAsync(await client.GetAsync("/v1/auth/users"));
        await AuthHttp.AssertUnauthenticatedAsync(await client.GetAsync("/v1/auth/status"));
    }

    [Fact]
    public async Task Login_WithAWrongPasswordOrUnknownUser_IsUnauthorized_TheSameWay()
    {
        using var anonymous = fixture.TcpHttp();
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "login-wrong", "right", []);

        var wrong = await AuthHttp.TryLoginAsync(anonymous, "login-wrong", "wrong");
        var unknown = await AuthHttp.TryLoginAsync(anonymous, "login-nobody", "wrong");
        await AuthHttp.AssertUnauthenticatedAsync(wrong);
        await AuthHttp.AssertUnauthenticatedAsync(unknown);
        Assert.Equal(
            (await Problems.AssertAsync(wrong, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated)).GetProperty("detail").GetString(),
            (await Problems.AssertAsync(unknown, HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BasicAuth_Works_AndAWrongPasswordIsUnauthorized()
    {
        using (var basic = AuthHttp.Basic(fixture.TcpEndpoint, "root", AuthHttp.RootPassword))
        {
            var status = await AuthHttp.StatusAsync(basic);
            Assert.Equal("root", status.User);
            Assert.Equal("password", status.Via);
            var put = await basic.PutAsync("/v1/kv/basic-put", new StringContent("v"));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        using var wrong = AuthHttp.Basic(fixture.TcpEndpoint, "root", "not-it");
        await AuthHttp.AssertUnauthenticatedAsync(await wrong.GetAsync("/v1/auth/users"));
    }

    [Fact]
    public async Task AnInvalidBearerToken_IsUnauthorized_EvenWithOtherCredentials()
    {
        using var root = fixture.UnixHttp();
        foreach (var token in new[] { "cairn_forged", "", "cairn_" + new string('A', 43), "not a token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/auth/users");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            // Over the Unix socket, where the peer alone would be root.
            await AuthHttp.AssertUnauthenticatedAsync(await root.SendAsync(request));
        }

        using var truncated = fixture.TcpHttp();
        var login = await AuthHttp.LoginAsync(truncated, "root", AuthHttp.RootPassword);
        truncated.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.Token[..^1]);
        await AuthHttp.AssertUnauthenticatedAsync(await truncated.GetAsync("/v1/auth/users"));
    }

    [Fact]
    public async Task AnUnknownAuthorizationScheme_IsUnauthorized()
    {
        using var http = fixture.TcpHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Digest", "username=root");
        await AuthHttp.AssertUnauthenticatedAsync(await http.GetAsync("/v1/auth/status"));
    }

    [Fact]
    public async Task ApiToken_Works_UntilRevoked()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "api-service", null, ["root"]);
        var created = await root.PostAsJsonAsync("/v1/auth/tokens", new CreateTokenDto { User = "api-service", Name = "deploy", Ttl = "30d" }, WireJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var token = (await created.Content.ReadFromJsonAsync<TokenResultDto>(WireJson.Options))!;
        Assert.StartsWith("cairnapi_", token.Token, StringComparison.Ordinal);

        using var service = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);
        var status = await AuthHttp.StatusAsync(service);
        Assert.Equal("api-service", status.User);
        Assert.Equal("api-token", status.Via);

        Assert.Equal(HttpStatusCode.NoContent, (await root.DeleteAsync($"/v1/auth/tokens/{token.Id}")).StatusCode);
        await AuthHttp.AssertUnauthenticatedAsync(await service.GetAsync("/v1/auth/status"));
    }

    [Fact]
    public async Task AUserWithoutThePermission_IsForbidden_AndNothingIsWritten()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "plain-user", "plain-pw", []);
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "plain-user", "plain-pw");
        using var user = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);

        var problem = await Problems.AssertAsync(
            await user.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "sneaky", Password = "x", Roles = ["root"] }, WireJson.Options),
            HttpStatusCode.Forbidden,
            ErrorCodes.PermissionDenied);
        Assert.Equal("admin", problem.GetProperty("resource").GetString());
        await Problems.AssertAsync(await user.PostAsJsonAsync("/v1/auth/users/plain-user/roles", new GrantRoleDto { Role = "root" }, WireJson.Options), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        await Problems.AssertAsync(await user.PostAsync("/v1/auth/disable", null), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);

        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/auth/users/sneaky")).StatusCode);
        var self = await root.GetFromJsonAsync<UserDto>("/v1/auth/users/plain-user", WireJson.Options);
        Assert.Empty(self!.Roles);
        Assert.True((await AuthHttp.StatusAsync(root)).Enabled);
    }

    [Fact]
    public async Task AnAdminEndpoint_IsRefusedToAUserWithoutRoles_AndToAnonymous_ButNotToRoot()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "no-metadata", "pw", []);
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "no-metadata", "pw");
        using var user = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);

        await Problems.AssertAsync(await user.GetAsync("/metrics"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);

        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.GetAsync("/metrics"));
        Assert.Equal(HttpStatusCode.OK, (await root.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task NoRoute_IsStillNotFound_AndAWrongMethodStillNotAllowed()
    {
        using var anonymous = fixture.TcpHttp();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/v1/no-such-route")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await anonymous.PatchAsync("/v1/auth/login", null)).StatusCode);
    }

    [Fact]
    public async Task AUser_MayChangeItsOwnPassword_ButNotAnothers()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "pw-self", "old", []);
        await AuthHttp.AddUserAsync(root, "pw-other", "other", []);
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "pw-self", "old");
        using var self = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);

        await Problems.AssertAsync(await self.PutAsJsonAsync("/v1/auth/users/pw-other/password", new PasswordDto { Password = "mine" }, WireJson.Options), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        Assert.Equal(HttpStatusCode.NoContent, (await self.PutAsJsonAsync("/v1/auth/users/pw-self/password", new PasswordDto { Password = "new" }, WireJson.Options)).StatusCode);

        // A new password ends the user's login sessions.
        await AuthHttp.AssertUnauthenticatedAsync(await self.GetAsync("/v1/auth/status"));
        await AuthHttp.AssertUnauthenticatedAsync(await AuthHttp.TryLoginAsync(anonymous, "pw-self", "old"));
        await AuthHttp.LoginAsync(anonymous, "pw-self", "new");
        await AuthHttp.LoginAsync(anonymous, "pw-other", "other");
    }

    [Fact]
    public async Task AUser_ListsAndRevokesItsOwnTokens_ButNotAnothers()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "tok-a", "a", []);
        await AuthHttp.AddUserAsync(root, "tok-b", "b", []);
        using var anonymous = fixture.TcpHttp();
        var a = await AuthHttp.LoginAsync(anonymous, "tok-a", "a");
        var b = await AuthHttp.LoginAsync(anonymous, "tok-b", "b");
        using var userA = AuthHttp.Bearer(fixture.TcpEndpoint, a.Token);

        var own = await userA.GetFromJsonAsync<TokenListDto>("/v1/auth/tokens", WireJson.Options);
        Assert.Contains(own!.Tokens, t => t.Id == a.Id);
        Assert.DoesNotContain(own.Tokens, t => t.User != "tok-a");
        await Problems.AssertAsync(await userA.GetAsync("/v1/auth/tokens?user=tok-b"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        await Problems.AssertAsync(await userA.DeleteAsync($"/v1/auth/tokens/{b.Id}"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);

        using var userB = AuthHttp.Bearer(fixture.TcpEndpoint, b.Token);
        Assert.Equal("tok-b", (await AuthHttp.StatusAsync(userB)).User);
        Assert.Equal(HttpStatusCode.NoContent, (await userA.DeleteAsync($"/v1/auth/tokens/{a.Id}")).StatusCode);
        await AuthHttp.AssertUnauthenticatedAsync(await userA.GetAsync("/v1/auth/status"));
    }

    [Fact]
    public async Task HealthProbes_AreOpenToAnonymous()
    {
        using var anonymous = fixture.TcpHttp();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/livez")).StatusCode);
    }
}
