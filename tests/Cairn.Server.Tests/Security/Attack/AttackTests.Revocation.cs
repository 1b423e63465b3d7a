using System.Net;
using System.Net.WebSockets;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task ARevokedLoginToken_Is401AtOnce_AndItsOpenSseWatch_WebSocketWatch_RunAndPoolStreams_End()
    {
        var id = NewId();
        var login = await server.AddUserAndLogInAsync($"revoked-{id}", SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        using (var root = server.Http(Who.Root))
        {
            await AuthApi.RevokeTokenAsync(root, login.Id);
        }

        // At once: the very next request, no waiting for a cache.
        using var http = server.Http(AuthApi.Bearer(login.Token));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read with a revoked login token");
        await streams.AssertAllEndAsync("the login token was revoked");
    }

    [Fact]
    public async Task ARevokedApiToken_Is401AtOnce_AndItsOpenStreamsEnd()
    {
        var id = NewId();
        await server.AddUserAndLogInAsync($"service-{id}", SecureServer.ReaderUser);
        TokenResultDto token;
        using (var root = server.Http(Who.Root))
        {
            token = await AuthApi.CreateTokenAsync(root, $"service-{id}", "attack-test");
        }

        Assert.StartsWith("cairnapi_", token.Token, StringComparison.Ordinal);
        await using var streams = await OpenStreamsAsync(token.Token);
        using (var root = server.Http(Who.Root))
        {
            await AuthApi.RevokeTokenAsync(root, token.Id);
        }

        using var http = server.Http(AuthApi.Bearer(token.Token));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read with a revoked API token");
        await streams.AssertAllEndAsync("the API token was revoked");
    }

    [Fact]
    public async Task RemovingReadFromAUsersRole_EndsItsOpenWatches_AndItsNextReadIs403()
    {
        var id = NewId();
        var role = $"watcher-{id}";
        var read = AuthApi.Grant(AuthResources.Kv, "a/", "read");
        using var root = server.Http(Who.Root);
        await AuthApi.AddRoleAsync(root, role, read, AuthApi.Grant(AuthResources.Runs, "", "read"), AuthApi.Grant(AuthResources.Pools, "", "read"));
        var login = await server.AddUserAndLogInAsync(role, role);
        await using var streams = await OpenStreamsAsync(login.Token);

        await AuthApi.RevokePermissionsAsync(root, role, read);

        using var http = server.Http(AuthApi.Bearer(login.Token));
        var after = await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey);
        Assert.True(after.Status is 401 or 403, $"a read after the role lost kv read: {after}");
        await streams.AssertWatchesEndAsync("the user's role lost kv read");
    }

    [Fact]
    public async Task TakingARoleFromAUser_EndsItsOpenStreams_AndItsNextReadIs403()
    {
        var id = NewId();
        var login = await server.AddUserAndLogInAsync($"demoted-{id}", SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        using (var root = server.Http(Who.Root))
        {
            await AuthApi.RevokeRoleAsync(root, $"demoted-{id}", SecureServer.ReaderUser);
        }

        using var http = server.Http(AuthApi.Bearer(login.Token));
        var after = await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey);
        Assert.True(after.Status is 401 or 403, $"a read after the user lost its role: {after}");
        await streams.AssertAllEndAsync("the user lost its role");
    }

    [Fact]
    public async Task ChangingAPassword_EndsThatUsersLoginSessions_AndTheirStreams()
    {
        var id = NewId();
        var user = $"rotating-{id}";
        var login = await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        using (var root = server.Http(Who.Root))
        using (var response = await root.PutAsync($"/v1/auth/users/{user}/password", AuthApi.Json(new PasswordDto { Password = SecureServer.NewPassword() })))
        {
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"changing {user}'s password: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var http = server.Http(AuthApi.Bearer(login.Token));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read with a login token from before the password changed");
        await streams.AssertAllEndAsync("the user's password changed");
    }

    [Fact]
    public async Task RemovingAUser_EndsItsSessionsAndStreams_AndItsApiTokens()
    {
        var id = NewId();
        var user = $"removed-{id}";
        var login = await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        TokenResultDto api;
        using (var root = server.Http(Who.Root))
        {
            api = await AuthApi.CreateTokenAsync(root, user, "service");
        }

        await using var streams = await OpenStreamsAsync(login.Token);
        using (var root = server.Http(Who.Root))
        using (var response = await root.DeleteAsync("/v1/auth/users/" + user))
        {
            Assert.True(response.IsSuccessStatusCode, $"removing {user}: {(int)response.StatusCode}");
        }

        foreach (var token in new[] { login.Token, api.Token })
        {
            using var http = server.Http(AuthApi.Bearer(token));
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read with a token of a removed user");
        }

        await streams.AssertAllEndAsync("the user was removed");

        // A new user of the same name gets nothing of the old one's.
        var again = await server.AddUserAndLogInAsync(user);
        using var newcomer = server.Http(AuthApi.Bearer(again.Token));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(newcomer, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.NobodyPerms, "a read by a new user of a removed one's name");
    }

    [Fact]
    public async Task ALoggedOutSession_Is401_AndItsStreamsEnd()
    {
        var id = NewId();
        var login = await server.AddUserAndLogInAsync($"leaving-{id}", SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);
        using var http = server.Http(AuthApi.Bearer(login.Token));
        var logout = await AttackHttp.SendAsync(http, "POST", "/v1/auth/logout");
        Assert.True(logout.Status == 204, $"logout: {logout}");

        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read after logout");
        await streams.AssertAllEndAsync("the session logged out");
    }

    /// <summary>Opens, with <paramref name="token"/>, an SSE watch and a WebSocket watch on <c>a/seeded</c> and the event
    /// streams of the seeded run and pool, each checked to be running.</summary>
    private async Task<OpenStreams> OpenStreamsAsync(string token)
    {
        var http = server.Http(AuthApi.Bearer(token));
        var streams = new OpenStreams(http);
        streams.Sse.Add(("SSE watch", await SseStream.OpenAsync(http, "/v1/watch?key=" + SecureServer.SeededKey)));
        var (socket, status) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(token));
        Assert.True(socket is not null, $"the watch WebSocket: upgrade answered {(int)status}");
        streams.Socket = socket;
        await AttackHttp.SendJsonAsync(socket, """{"create":{"key":"a/seeded"}}""");
        var created = await AttackHttp.ReceiveAsync(socket);
        Assert.True(created is { } c && c.TryGetProperty("created", out _), $"a socket watch on a/seeded was answered {created}");
        streams.Modules.Add(("run events", await OpenModuleStreamAsync(http, $"/v1/runs/{SecureServer.SeededName}/events")));
        streams.Modules.Add(("pool events", await OpenModuleStreamAsync(http, $"/v1/pools/{SecureServer.SeededName}/events")));
        return streams;
    }

    // A module's event stream: 200 text/event-stream; its first event is the module's own (not necessarily "created").
    private static async Task<HttpResponseMessage> OpenModuleStreamAsync(HttpClient http, string path)
    {
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead).WaitAsync(AttackHttp.Deadline);
        var text = response.StatusCode == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return response;
    }

    /// <summary>Streams a caller holds: each must end once its credential stops being valid.</summary>
    private sealed class OpenStreams(HttpClient http) : IAsyncDisposable
    {
        public List<(string What, SseStream Stream)> Sse { get; } = [];

        public List<(string What, HttpResponseMessage Response)> Modules { get; } = [];

        public ClientWebSocket? Socket { get; set; }

        /// <summary>Asserts that every stream ends within the deadline.</summary>
        public async Task AssertAllEndAsync(string because)
        {
            await AssertWatchesEndAsync(because);
            foreach (var (what, response) in Modules)
            {
                Assert.True(await EndsAsync(response), $"the open {what} stream did not end within {AttackHttp.Deadline.TotalSeconds} s after {because}");
            }
        }

        /// <summary>Asserts that the key watches (SSE and WebSocket) end within the deadline.</summary>
        public async Task AssertWatchesEndAsync(string because)
        {
            foreach (var (what, stream) in Sse)
            {
                Assert.True(await EndsAsync(stream), $"the open {what} did not end within {SseStream.Timeout.TotalSeconds} s after {because}");
            }

            Assert.True(await EndsAsync(Socket!), $"the open WebSocket watch did not end within {AttackHttp.Deadline.TotalSeconds} s after {because}");
        }

        public ValueTask DisposeAsync()
        {
            foreach (var (_, stream) in Sse)
            {
                stream.Dispose();
            }

            foreach (var (_, response) in Modules)
            {
                response.Dispose();
            }

            Socket?.Dispose();
            http.Dispose();
            return ValueTask.CompletedTask;
        }

        // An event stream ends: its body comes to an end or breaks. Events before the end (a last error) are read past.
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

        private static async Task<bool> EndsAsync(HttpResponseMessage response)
        {
            var buffer = new byte[4096];
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync();
                using var deadline = new CancellationTokenSource(AttackHttp.Deadline);
                while (await body.ReadAsync(buffer, deadline.Token) > 0)
                {
                }

                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                return true;
            }
        }

        private static async Task<bool> EndsAsync(ClientWebSocket socket)
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
    }
}
