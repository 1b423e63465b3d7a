using System.Net;
using System.Net.WebSockets;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task ARevokedLoginToken_Is401AtOnce_AndItsOpenSseWatch_WebSocketWatch_RunAndPoolStreams_End()
    {
        var login = await server.AddUserAndLogInAsync($"revoked-{NewId()}", SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        await AsRootAsync(root => AuthApi.RevokeTokenAsync(root, login.Id));

        // At once: the very next request, no waiting for a cache.
        await AssertDeadAsync(login.Token, streams, "the login token was revoked");
    }

    [Fact]
    public async Task ARevokedApiToken_Is401AtOnce_AndItsOpenStreamsEnd()
    {
        var user = $"service-{NewId()}";
        await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        TokenResultDto token = null!;
        await AsRootAsync(async root => token = await AuthApi.CreateTokenAsync(root, user, "attack-test"));
        Assert.StartsWith("cairnapi_", token.Token, StringComparison.Ordinal);
        await using var streams = await OpenStreamsAsync(token.Token);

        await AsRootAsync(root => AuthApi.RevokeTokenAsync(root, token.Id));

        await AssertDeadAsync(token.Token, streams, "the API token was revoked");
    }

    [Fact]
    public async Task RemovingReadFromAUsersRole_EndsItsOpenWatches_AndItsNextReadIs403()
    {
        var role = $"watcher-{NewId()}";
        var read = AuthApi.Grant(AuthResources.Kv, "a/", "read");
        await AsRootAsync(root => AuthApi.AddRoleAsync(root, role, read, AuthApi.Grant(AuthResources.Runs, "", "read"), AuthApi.Grant(AuthResources.Pools, "", "read")));
        var login = await server.AddUserAndLogInAsync(role, role);
        await using var streams = await OpenStreamsAsync(login.Token);

        await AsRootAsync(root => AuthApi.RevokePermissionsAsync(root, role, read));

        await AssertReadRefusedAsync(login.Token, "the user's role lost kv read");
        await streams.AssertWatchesEndAsync("the user's role lost kv read");
    }

    [Fact]
    public async Task TakingARoleFromAUser_EndsItsOpenStreams_AndItsNextReadIs403()
    {
        var user = $"demoted-{NewId()}";
        var login = await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        await AsRootAsync(root => AuthApi.RevokeRoleAsync(root, user, SecureServer.ReaderUser));

        await AssertReadRefusedAsync(login.Token, "the user lost its role");
        await streams.AssertAllEndAsync("the user lost its role");
    }

    [Fact]
    public async Task ChangingAPassword_EndsThatUsersLoginSessions_AndTheirStreams()
    {
        var user = $"rotating-{NewId()}";
        var login = await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);

        await AsRootAsync(async root =>
        {
            using var response = await root.PutAsync($"/v1/auth/users/{user}/password", AuthApi.Json(new PasswordDto { Password = SecureServer.NewPassword() }));
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"changing {user}'s password: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        });

        await AssertDeadAsync(login.Token, streams, "the user's password changed");
    }

    [Fact]
    public async Task RemovingAUser_EndsItsSessionsAndStreams_AndItsApiTokens()
    {
        var user = $"removed-{NewId()}";
        var login = await server.AddUserAndLogInAsync(user, SecureServer.ReaderUser);
        TokenResultDto api = null!;
        await AsRootAsync(async root => api = await AuthApi.CreateTokenAsync(root, user, "service"));
        await using var streams = await OpenStreamsAsync(login.Token);

        await AsRootAsync(async root =>
        {
            using var response = await root.DeleteAsync("/v1/auth/users/" + user);
            Assert.True(response.IsSuccessStatusCode, $"removing {user}: {(int)response.StatusCode}");
        });

        await AssertDeadAsync(login.Token, streams, "the user was removed");
        await AssertReadRefusedAsync(api.Token, "the user was removed", Who.Anonymous);

        // A new user of the same name gets nothing of the old one's.
        var again = await server.AddUserAndLogInAsync(user);
        await AssertReadRefusedAsync(again.Token, "a user of that name was removed and added again", Who.NobodyPerms);
    }

    [Fact]
    public async Task ALoggedOutSession_Is401_AndItsStreamsEnd()
    {
        var login = await server.AddUserAndLogInAsync($"leaving-{NewId()}", SecureServer.ReaderUser);
        await using var streams = await OpenStreamsAsync(login.Token);
        using (var http = server.Http(AuthApi.Bearer(login.Token)))
        {
            var logout = await AttackHttp.SendAsync(http, "POST", "/v1/auth/logout");
            Assert.True(logout.Status == 204, $"logout: {logout}");
        }

        await AssertDeadAsync(login.Token, streams, "the session logged out");
    }

    private async Task AsRootAsync(Func<HttpClient, Task> action)
    {
        using var root = server.Http(Who.Root);
        await action(root);
    }

    /// <summary>Asserts that <paramref name="token"/> is refused as no credential (401) on the very next request, and
    /// that every stream it opened ends.</summary>
    private async Task AssertDeadAsync(string token, OpenStreams streams, string because)
    {
        await AssertReadRefusedAsync(token, because, Who.Anonymous);
        await streams.AssertAllEndAsync(because);
    }

    /// <summary>Asserts that a read of the seeded key with <paramref name="token"/> is refused: as <paramref name="who"/>
    /// would be, or (null) with 401 or 403.</summary>
    private async Task AssertReadRefusedAsync(string token, string because, Who? who = null)
    {
        using var http = server.Http(AuthApi.Bearer(token));
        var after = await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey);
        if (who is { } expected)
        {
            AttackHttp.AssertRefused(after, expected, $"a read after {because}");
        }
        else
        {
            Assert.True(after.Status is 401 or 403, $"a read after {because}: {after}");
        }
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
