using System.Net;
using System.Net.Http.Headers;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// Unix socket peer credentials (<c>SO_PEERCRED</c>), with real processes of another user (<c>runuser -u nobody</c>)
/// connecting to sockets every user may open (mode 0666): a mapped user gets exactly its Cairn user's rights, an unmapped
/// one is anonymous, and a compat listener's policy admits any local process to what its role allows and no more.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PeerCredentialTests
{
    [Fact]
    public async Task ANobodyProcess_MappedToReader_ReadsButCannotWrite()
    {
        OtherUser.Require();
        using var open = new OpenDirectory("peer");
        await using var server = await LoneSecureServer.StartAsync(new Dictionary<string, string?>
        {
            ["Listen:1"] = $"unix:{open["cairn.sock"]}?mode=0666",
            ["Auth:UnixUsers:nobody"] = SecureServer.ReaderUser,
        });
        var socket = open["cairn.sock"];

        var read = await CurlAsync(socket, "GET", "/v1/kv/" + SecureServer.SeededKey);
        Assert.True(read.Status == 200 && read.Body == "seeded value", $"nobody, mapped to reader, reads: {read}");
        var status = await CurlAsync(socket, "GET", "/v1/auth/status");
        Assert.True(status.Status == 200 && status.Body.Contains("\"reader\"", StringComparison.Ordinal) && status.Body.Contains("\"peer\"", StringComparison.Ordinal), $"nobody is reader by its peer credentials: {status}");

        var write = await CurlAsync(socket, "PUT", "/v1/kv/a/from-nobody", "x");
        Assert.True(write.Status == 403, $"nobody, mapped to reader, cannot write: {write}");
        var users = await CurlAsync(socket, "POST", "/v1/auth/users", """{"name":"nobody-root","password":"p","roles":["root"]}""");
        Assert.True(users.Status == 403, $"nobody, mapped to reader, cannot add users: {users}");

        using var root = new HttpClient { BaseAddress = new Uri(server.TcpEndpoint) };
        root.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.RootToken);
        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/kv/a/from-nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/auth/users/nobody-root")).StatusCode);
    }

    [Fact]
    public async Task ANobodyProcess_WithoutMapping_Is401_AndAJournalSocketWithAnAppenderPolicy_LetsItAppendButNotRead()
    {
        OtherUser.Require();
        using var open = new OpenDirectory("peer");
        await using var server = await LoneSecureServer.StartAsync(new Dictionary<string, string?>
        {
            ["Listen:1"] = $"unix:{open["cairn.sock"]}?mode=0666",
            ["Journal:Listen:0"] = $"unix:{open["journal.sock"]}?mode=0666",
            ["Auth:ListenerRoles:journal"] = SecureServer.AppenderRole,
        });
        using var root = new HttpClient { BaseAddress = new Uri(server.TcpEndpoint) };
        root.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.RootToken);
        var others = "others-" + Guid.NewGuid().ToString("N")[..10];
        using (var append = await root.PostAsync($"/v1/journal/{others}/commit", AuthApi.Json("""{"secret":"of another service"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, append.StatusCode);
        }

        // The main socket: nobody is nobody here.
        var main = await CurlAsync(open["cairn.sock"], "GET", "/v1/kv/" + SecureServer.SeededKey);
        Assert.True(main.Status == 401, $"nobody, unmapped, on the main socket: {main}");
        var compatOnMain = await CurlAsync(open["cairn.sock"], "POST", "/compat/journal/mine/begin", "{}");
        Assert.True(compatOnMain.Status == 401, $"nobody, unmapped, appending through the main socket: {compatOnMain}");

        // The journal's socket: its listener role lets any local process append, as the seed's socket did …
        var mine = "mine-" + Guid.NewGuid().ToString("N")[..10];
        var begin = await CurlAsync(open["journal.sock"], "POST", $"/{mine}/begin", """{"user_id":"nobody"}""");
        Assert.True(begin.Status == 201, $"nobody appends through the journal socket: {begin}");

        // … and read nothing: not the status of another's request, not even its own, nor anything else of the server.
        foreach (var path in new[] { $"/status/{others}", $"/status/{mine}", $"/compat/journal/status/{others}", $"/v1/journal/{others}", "/v1/kv/" + SecureServer.SeededKey })
        {
            var answer = await CurlAsync(open["journal.sock"], "GET", path);
            Assert.True(answer.Status is 403 or 404, $"nobody reads {path} through the journal socket: {answer}");
            Assert.DoesNotContain("of another service", answer.Body, StringComparison.Ordinal);
        }

        using var appended = await root.GetAsync($"/v1/journal/{mine}");
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
    }

    [Fact]
    public async Task TheServersOwnUser_IsRootOverItsSocket_ButAnInvalidBearerStillIs401()
    {
        using var open = new OpenDirectory("peer");
        await using var server = await LoneSecureServer.StartAsync(new Dictionary<string, string?> { ["Listen:1"] = "unix:" + open["cairn.sock"] });
        using var local = ServerFixture.UnixHttpClient(open["cairn.sock"]);

        // This process runs as the server's user: the socket's peer is root (Auth:ServerUserIsRoot defaults to true).
        using (var put = await local.PutAsync("/v1/kv/a/local", new StringContent("x")))
        {
            Assert.True(put.IsSuccessStatusCode, $"the server's own user writes over its socket: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(SecureServer.RootUser, (await AuthApi.StatusAsync(local)).User);

        // A bearer that is not valid is refused even though the peer credentials alone would be root.
        local.DefaultRequestHeaders.Authorization = AuthApi.Bearer("cairn_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        var forged = await AttackHttp.SendAsync(local, "PUT", "/v1/kv/a/forged-local", "x", "text/plain");
        AttackHttp.AssertUnauthenticated(forged, "a forged bearer over the server user's own socket");
        using var root = new HttpClient { BaseAddress = new Uri(server.TcpEndpoint) };
        root.DefaultRequestHeaders.Authorization = AuthApi.Bearer(server.RootToken);
        Assert.Equal(HttpStatusCode.NotFound, (await root.GetAsync("/v1/kv/a/forged-local")).StatusCode);
    }

    // curl as user nobody over a Unix socket: the answer's status and body.
    private static async Task<(int Status, string Body, string Output)> CurlAsync(string socket, string method, string path, string? body = null)
    {
        var command = new List<string> { "curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", method, "http://localhost" + path };
        if (body is not null)
        {
            command.AddRange(["-H", "Content-Type: application/json", "--data-binary", body]);
        }

        var result = await OtherUser.RunAsync(command);
        var split = result.Stdout.LastIndexOf('\n');
        Assert.True(result.Exit == 0 && split >= 0, result.ToString());
        return (int.Parse(result.Stdout[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture), result.Stdout[..split], result.ToString());
    }
}
