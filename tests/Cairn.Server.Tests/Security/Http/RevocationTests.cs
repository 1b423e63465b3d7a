using System.Net;
using System.Net.Http.Json;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>A credential that stops being valid ends what it has open, at once: an SSE watch ends when its token is
/// revoked, or its user removed.</summary>
public sealed class RevocationTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task AnOpenWatch_Ends_WhenItsTokenIsRevoked()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "watcher-token", "pw", ["root"]);
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "watcher-token", "pw");
        using var watcher = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);
        using var stream = await SseStream.OpenAsync(watcher, "/v1/watch?key=revoke-watch/&prefix=true");

        // The stream delivers while the token is good.
        var revision = await Tests.Http.PutAsync(root, "revoke-watch/a", "1");
        await stream.UntilRevisionAsync(revision);

        Assert.Equal(HttpStatusCode.NoContent, (await root.DeleteAsync($"/v1/auth/tokens/{token.Id}")).StatusCode);
        await AuthHttp.AssertEndsAsync(stream);
        await AuthHttp.AssertUnauthenticatedAsync(await watcher.GetAsync("/v1/watch?key=revoke-watch/&prefix=true"));
    }

    [Fact]
    public async Task AnOpenWatch_Ends_WhenItsUserIsRemoved()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "watcher-removed", "pw", ["root"]);
        using var anonymous = fixture.TcpHttp();
        var token = await AuthHttp.LoginAsync(anonymous, "watcher-removed", "pw");
        using var watcher = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);
        using var stream = await SseStream.OpenAsync(watcher, "/v1/watch?key=removed-watch/&prefix=true");

        Assert.Equal(HttpStatusCode.NoContent, (await root.DeleteAsync("/v1/auth/users/watcher-removed")).StatusCode);
        await AuthHttp.AssertEndsAsync(stream);
        await AuthHttp.AssertUnauthenticatedAsync(await watcher.GetAsync("/v1/auth/status"));
    }

    [Fact]
    public async Task AnOpenWatch_Ends_WhenItsUsersRolesChange()
    {
        using var root = fixture.UnixHttp();
        await AuthHttp.AddUserAsync(root, "watcher-demoted", "pw", ["root"]);
        using var basic = AuthHttp.Basic(fixture.TcpEndpoint, "watcher-demoted", "pw");
        using var stream = await SseStream.OpenAsync(basic, "/v1/watch?key=demoted-watch/&prefix=true");

        var revoked = await root.DeleteAsync("/v1/auth/users/watcher-demoted/roles/root");
        Assert.True(revoked.StatusCode == HttpStatusCode.OK, await revoked.Content.ReadAsStringAsync());
        Assert.Empty((await revoked.Content.ReadFromJsonAsync<UserDto>(WireJson.Options))!.Roles);
        await AuthHttp.AssertEndsAsync(stream);
    }
}
