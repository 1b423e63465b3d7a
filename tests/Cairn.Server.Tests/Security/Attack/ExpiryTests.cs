using System.Net;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// Credentials that expire, on the server's clock (a fake one the test moves), on every backend: an expired login token
/// or API token is 401 at once, and the stream it holds ends; one that has not expired yet goes on working.
/// </summary>
public abstract class ExpiryTests(SecureServer server)
{
    [Fact]
    public async Task AnExpiredLoginToken_Is401_AndItsOpenWatchEnds_WhileAFreshLoginWorks()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var login = await server.AddUserAndLogInAsync($"expiring-{id}", SecureServer.ReaderUser);
        Assert.NotNull(login.ExpiresAt);
        Assert.InRange(login.ExpiresAt!.Value, server.Clock.GetUtcNow().AddMinutes(9), server.Clock.GetUtcNow().AddMinutes(11));
        using var http = server.Http(AuthApi.Bearer(login.Token));
        using var watch = await SseStream.OpenAsync(http, "/v1/watch?key=" + SecureServer.SeededKey);
        var (socket, status) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(login.Token));
        Assert.True(socket is not null, $"the watch WebSocket: upgrade answered {(int)status}");
        using var ws = socket;
        await AttackHttp.SendJsonAsync(ws, """{"create":{"key":"a/seeded"}}""");
        Assert.True(await AttackHttp.ReceiveAsync(ws) is { } created && created.TryGetProperty("created", out _), "a socket watch on a/seeded is created");

        server.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/kv/" + SecureServer.SeededKey)).StatusCode);

        server.Clock.Advance(TimeSpan.FromMinutes(2));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, $"a read with a login token past its expiry ({server.Backend})");
        Assert.True(await EndsAsync(watch), $"the watch of an expired login token did not end within {SseStream.Timeout.TotalSeconds} s ({server.Backend})");
        Assert.True(await EndsAsync(ws), $"the socket watch of an expired login token did not end within {AttackHttp.Deadline.TotalSeconds} s ({server.Backend})");

        // Logging in again gives a token that works, on the same clock.
        using var anonymous = server.Http(Who.Anonymous);
        var again = await AuthApi.LoginAsync(anonymous, $"expiring-{id}", server.Password($"expiring-{id}"));
        using var renewed = server.Http(AuthApi.Bearer(again.Token));
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/v1/kv/" + SecureServer.SeededKey)).StatusCode);
    }

    [Fact]
    public async Task AnExpiredApiToken_Is401_WhileOneWithoutExpiryWorks()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        await server.AddUserAndLogInAsync($"service-{id}", SecureServer.ReaderUser);
        using var anonymous = server.Http(Who.Anonymous);
        var rootLogin = await AuthApi.LoginAsync(anonymous, SecureServer.RootUser, server.Password(SecureServer.RootUser));
        using var root = server.Http(AuthApi.Bearer(rootLogin.Token));
        var shortLived = await AuthApi.CreateTokenAsync(root, $"service-{id}", "short", "1h");
        var lasting = await AuthApi.CreateTokenAsync(root, $"service-{id}", "lasting");
        using var shortHttp = server.Http(AuthApi.Bearer(shortLived.Token));
        using var lastingHttp = server.Http(AuthApi.Bearer(lasting.Token));
        Assert.Equal(HttpStatusCode.OK, (await shortHttp.GetAsync("/v1/kv/" + SecureServer.SeededKey)).StatusCode);

        server.Clock.Advance(TimeSpan.FromHours(2));

        AttackHttp.AssertRefused(await AttackHttp.SendAsync(shortHttp, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, $"a read with an API token past its expiry ({server.Backend})");
        Assert.Equal(HttpStatusCode.OK, (await lastingHttp.GetAsync("/v1/kv/" + SecureServer.SeededKey)).StatusCode);
    }

    private static async Task<bool> EndsAsync(System.Net.WebSockets.ClientWebSocket socket)
    {
        try
        {
            while (await AttackHttp.ReceiveAsync(socket) is not null)
            {
            }

            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task<bool> EndsAsync(SseStream stream)
    {
        try
        {
            while (true)
            {
                await stream.NextAsync();
            }
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or System.Text.Json.JsonException)
        {
            return true;
        }
    }
}
