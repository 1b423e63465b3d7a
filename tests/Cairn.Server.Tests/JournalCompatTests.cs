using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>The seed-compatible journal API over real connections: at the root of the journal's own Unix socket and
/// TCP listener, and at <c>/compat/journal</c> of the main listeners.</summary>
public sealed class JournalCompatTests(JournalServerFixture fixture) : IClassFixture<JournalServerFixture>
{
    // The seed's example message, as Python's json.dumps wrote it (requests.post(url, json=msg)).
    private const string SeedMessage =
        """{"user_id": "user1", "resourcepk": null, "request_id": "ac513125-0469-408d-b332-b8a0383870f9", "host": "host1", "payload": null, "resourcegroup": "cookbook", "transaction_id": "c4f62dae-2c3a-417e-94f9-db43d86d4cd0", "cm": null, "step": "begin", "date": "2017-6-13 16:47:55", "resource": "cookbook/todo", "role": null, "authuser_id": "user1", "verb": "get"}""";

    public static TheoryData<string> Mounts => new() { "journal-unix", "journal-tcp", "main-tcp", "main-unix" };

    [Fact]
    public async Task SeedExampleCall_OverTheJournalUnixSocket_Returns201WithAnEmptyBody()
    {
        // The seed's client: requests_unixsocket to http+unix://%2Ftmp%2Fjournal.sock/<request_id>/begin, with
        // Accept and Content-Type application/json. Sent here byte for byte as requests does (Host: localhost).
        var body = Encoding.UTF8.GetBytes(SeedMessage);
        var head = "POST /ac513125-0469-408d-b332-b8a0383870f9/begin HTTP/1.1\r\nHost: localhost\r\nUser-Agent: python-requests/2.31.0\r\n"
            + "Accept-Encoding: gzip, deflate\r\nAccept: application/json\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {body.Length}\r\n\r\n";

        var (status, headers, text) = await RawHttp.SendAsync("unix:" + fixture.JournalSocketPath, head, body);

        Assert.Equal(201, status);
        Assert.Equal("", text);
        Assert.Contains("Content-Length: 0", headers, StringComparison.OrdinalIgnoreCase);

        // And it is in the journal, with the seed's fields taken from the message.
        using var http = fixture.TcpHttp();
        var request = JsonDocument.Parse(await http.GetStringAsync("/v1/journal/ac513125-0469-408d-b332-b8a0383870f9")).RootElement;
        Assert.Equal("in-progress", request.GetProperty("state").GetString());
        Assert.Equal("user1", request.GetProperty("fields").GetProperty("userId").GetString());
        Assert.Equal("cookbook/todo", request.GetProperty("fields").GetProperty("resource").GetString());
        Assert.Equal("get", request.GetProperty("steps")[0].GetProperty("message").GetProperty("verb").GetString());
    }

    [Fact]
    public async Task SeedExampleCall_WithHttpClientOverTheJournalSocket_ThenStatusIsInProgress()
    {
        var txid = JournalHttp.NewTxid("seed");
        using var http = ServerFixture.UnixHttpClient(fixture.JournalSocketPath);
        var post = new HttpRequestMessage(HttpMethod.Post, $"/{txid}/begin") { Content = JournalHttp.Json(SeedMessage) };
        post.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        var (status, type, body) = await JournalHttp.CompatStatusAsync(http, "", txid);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("application/json", type);
        Assert.Equal("""{"status": "Task in progress"}""", body);
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task Status_FollowsTheSeedsRules_OnEveryMount(string where)
    {
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;
        var txid = JournalHttp.NewTxid(where);

        Assert.Equal((HttpStatusCode.NotFound, "application/json", """{"status": "Task not found"}"""), await JournalHttp.CompatStatusAsync(http, prefix, txid));

        await JournalHttp.CompatAppendAsync(http, prefix, txid, "begin", """{"step": "begin"}""");
        Assert.Equal((HttpStatusCode.Accepted, "application/json", """{"status": "Task in progress"}"""), await JournalHttp.CompatStatusAsync(http, prefix, txid));

        await JournalHttp.CompatAppendAsync(http, prefix, txid, "authorization", """{"ok": true}""");
        Assert.Equal(HttpStatusCode.Accepted, (await JournalHttp.CompatStatusAsync(http, prefix, txid)).Status);

        await JournalHttp.CompatAppendAsync(http, prefix, txid, "commit", """{"result":  [1, 2, {"x": null}]}""");
        Assert.Equal((HttpStatusCode.OK, "application/json", """{"status": {"result":  [1, 2, {"x": null}]}}"""), await JournalHttp.CompatStatusAsync(http, prefix, txid));
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task Abort_IsTheStatus_UnlessThereIsACommit(string where)
    {
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;
        var aborted = JournalHttp.NewTxid("abort");
        await JournalHttp.CompatAppendAsync(http, prefix, aborted, "begin", "{}");
        await JournalHttp.CompatAppendAsync(http, prefix, aborted, "abort", "\"gave up\"");
        Assert.Equal((HttpStatusCode.OK, "application/json", """{"status": "gave up"}"""), await JournalHttp.CompatStatusAsync(http, prefix, aborted));

        var both = JournalHttp.NewTxid("both");
        await JournalHttp.CompatAppendAsync(http, prefix, both, "abort", "1");
        await JournalHttp.CompatAppendAsync(http, prefix, both, "commit", "2");
        Assert.Equal((HttpStatusCode.OK, "application/json", """{"status": 2}"""), await JournalHttp.CompatStatusAsync(http, prefix, both));

        // Steps, but none of begin, commit, abort: the seed says "not found".
        var other = JournalHttp.NewTxid("other");
        await JournalHttp.CompatAppendAsync(http, prefix, other, "authorization", "null");
        Assert.Equal((HttpStatusCode.NotFound, "application/json", """{"status": "Task not found"}"""), await JournalHttp.CompatStatusAsync(http, prefix, other));
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task RepeatedStep_Returns201_AndKeepsTheFirstMessage(string where)
    {
        var (http, prefix) = fixture.Compat(where);
        using var _ = http;
        var txid = JournalHttp.NewTxid("repeat");

        await JournalHttp.CompatAppendAsync(http, prefix, txid, "commit", """{"n": 1}""");
        await JournalHttp.CompatAppendAsync(http, prefix, txid, "commit", """{"n": 2}""");

        Assert.Equal((HttpStatusCode.OK, "application/json", """{"status": {"n": 1}}"""), await JournalHttp.CompatStatusAsync(http, prefix, txid));
        using var main = fixture.TcpHttp();
        var steps = JsonDocument.Parse(await main.GetStringAsync("/v1/journal/" + txid)).RootElement.GetProperty("steps");
        Assert.Equal(1, steps.GetArrayLength());
        Assert.Equal(1, steps[0].GetProperty("message").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task ContentTypeWithCharset_IsAccepted()
    {
        using var http = ServerFixture.UnixHttpClient(fixture.JournalSocketPath);
        var txid = JournalHttp.NewTxid("charset");

        using var response = await JournalHttp.PostAsync(http, $"/{txid}/begin", "{}", "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task TheMainListenersRoot_IsNotTheCompatApi()
    {
        using var http = fixture.TcpHttp();
        var txid = JournalHttp.NewTxid("root");

        await Problems.AssertAsync(await JournalHttp.PostAsync(http, $"/{txid}/begin", "{}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync($"/status/{txid}"), HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(txid, await JournalHttp.AllTxidsAsync(http));
    }

    [Theory]
    [InlineData("journal-unix")]
    [InlineData("journal-tcp")]
    public async Task TheJournalListener_ServesOnlyTheCompatApi(string where)
    {
        var (http, _) = fixture.Compat(where);
        using var __ = http;

        // Two segments are the shape of the seed's POST /<txid>/<step>: 405 there, as the seed's Flask routes answered.
        await Problems.AssertAsync(await http.GetAsync("/v1/status"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Problems.AssertAsync(await http.GetAsync("/healthz"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.PutAsync("/v1/kv/x", new StringContent("v")), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Problems.AssertAsync(await http.GetAsync("/compat/journal/status/x"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task JournalListeners_AreNotAdvertisedAsApiAddresses()
    {
        Assert.Equal(2, fixture.Server.Addresses.Count);
        Assert.Contains("unix:" + fixture.JournalSocketPath, fixture.Server.CompatAddresses("journal"));
        Assert.DoesNotContain("unix:" + fixture.JournalSocketPath, fixture.Server.Addresses);
        Assert.DoesNotContain(fixture.JournalTcpEndpoint, fixture.Server.Addresses);

        using var http = fixture.TcpHttp();
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/compat/journal/{txid}/{step}", openApi);
        Assert.Contains("/compat/journal/status/{txid}", openApi);
    }
}
