using System.Net;
using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Server.Tests;

/// <summary>Inputs a fuzzing probe and the generator in <see cref="FuzzTests"/> found answered with a 500 (or refused
/// after a write): each is now refused with a 400 problem before anything is stored, or read back as it was stored, and
/// the server goes on serving.</summary>
public sealed class HostileInputTests(JournalServerFixture fixture) : IClassFixture<JournalServerFixture>, IAsyncLifetime
{
    private readonly HttpClient _http = fixture.TcpHttp();

    public Task InitializeAsync() => Task.CompletedTask;

    // After each hostile request the server must still answer a good one.
    public async Task DisposeAsync()
    {
        var put = await _http.PutAsync("/v1/kv/still/alive", new StringContent("yes"));
        Assert.True(put.IsSuccessStatusCode);
        Assert.Equal("yes", await _http.GetStringAsync("/v1/kv/still/alive"));
        _http.Dispose();
    }

    [Theory]
    [InlineData("/v1/blobs/x", "9223372036854775807")]
    [InlineData("/v1/blobs/x", "-9223372036854775808")]
    [InlineData("/v1/blobs/x", "9223372036854775807d")]
    [InlineData("/v1/blobs/x", "10675199.02:48:05.4775807")]
    [InlineData("/v1/kv/x", "9223372036854775807")]
    [InlineData("/v1/kv/x", "-9223372036854775808")]
    [InlineData("/v1/kv/x", "9223372036854775807d")]
    [InlineData("/v1/kv/x", "10675199.02:48:05.4775807")]
    public async Task Put_WithAnOutOfRangeTtl_Returns400InvalidArgument_AndStoresNothing(string path, string ttl)
    {
        var problem = await Problems.AssertAsync(await _http.PutAsync($"{path}?ttl={ttl}", new StringContent("v")), HttpStatusCode.BadRequest, "invalid_argument");

        Assert.Contains("ttl", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("%00", "NUL")]
    [InlineData("a%00b", "NUL")]
    [InlineData("%2Fvolumes%00%2F", "NUL")]
    public async Task VolumeRebuild_WithAnInvalidDirectory_Returns400InvalidArgument(string dir, string said)
    {
        var problem = await Problems.AssertAsync(await _http.PostAsync($"/v1/admin/volumes/rebuild?dir={dir}", null), HttpStatusCode.BadRequest, "invalid_argument");

        Assert.Contains(said, problem.GetProperty("detail").GetString());
        Assert.Contains(Path.Combine(fixture.DataDir, "volumes"), problem.GetProperty("detail").GetString());
    }

    // Kestrel reports a chunk size beyond 32 bits as an IOException("Bad chunk size data") wrapping an OverflowException,
    // not as a BadHttpRequestException; every endpoint that reads a body must still answer 400.
    [Theory]
    [InlineData("tcp", "PUT", "/v1/kv/chunked", "")]
    [InlineData("unix", "PUT", "/v1/kv/chunked", "")]
    [InlineData("tcp", "PUT", "/v1/blobs/chunked", "")]
    [InlineData("tcp", "POST", "/v1/txn", "Content-Type: application/json\r\n")]
    [InlineData("tcp", "POST", "/v1/leases", "Content-Type: application/json\r\n")]
    [InlineData("tcp", "POST", "/v1/compact", "Content-Type: application/json\r\n")]
    [InlineData("tcp", "POST", "/v1/journal/chunked-tx/begin", "Content-Type: application/json\r\n")]
    [InlineData("tcp", "POST", "/compat/journal/chunked-tx/begin", "Content-Type: application/json\r\n")]
    [InlineData("tcp", "PUT", "/compat/pulzar/add_key/chunked", "")]
    public async Task ChunkedBody_WithAnOverflowingChunkSize_Returns400InvalidArgument(string transport, string method, string path, string headers)
    {
        var head = $"{method} {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n";

        var (status, answerHead, body) = await RawHttp.SendAsync(fixture.Endpoint(transport), head);

        Assert.True(status == 400, $"expected 400, got {status}: {body}");
        Assert.Contains("application/problem+json", answerHead);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
        Assert.Contains("request body", problem.GetProperty("detail").GetString());
    }

    // Found by FuzzTests: the flag was read only to build the answer, after the value was stored.
    [Theory]
    [InlineData("0.0001")]
    [InlineData("1e400")]
    [InlineData("maybe")]
    public async Task KvPut_WithABadPrevKvFlag_Returns400_AndStoresNothing(string flag)
    {
        var key = "prevkv/" + Guid.NewGuid().ToString("N");
        var before = (await fixture.Server.Store.StatusAsync()).Revision;

        await Problems.AssertAsync(await _http.PutAsync($"/v1/kv/{key}?prevKv={flag}", new StringContent("v")), HttpStatusCode.BadRequest, "invalid_argument");

        Assert.Equal(before, (await fixture.Server.Store.StatusAsync()).Revision);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v1/kv/" + key)).StatusCode);
    }

    // Found by FuzzTests: an escaped half of a surrogate pair is well-formed JSON, so the message was stored (or, when
    // reading its fields failed on the way in, spooled to the secondary as if the store were down), and every read of
    // the request after it was a 500.
    [Theory]
    [InlineData("/v1/journal", """{"host": "\ud800"}""")]
    [InlineData("/v1/journal", """{"user_id": "x\udc00y"}""")]
    [InlineData("/v1/journal", """{"\ud800": 1}""")]
    [InlineData("/v1/journal", """ "\udc00" """)]
    [InlineData("/compat/journal", """{"host": "\ud800"}""")]
    [InlineData("/compat/journal", """[{"deep": ["\ud800"]}]""")]
    public async Task JournalAppend_WithALoneSurrogateEscape_Returns400_AndStoresNothing(string prefix, string message)
    {
        var txid = JournalHttp.NewTxid("surrogate");

        var problem = await Problems.AssertAsync(await JournalHttp.PostAsync(_http, $"{prefix}/{txid}/begin", message), HttpStatusCode.BadRequest, "invalid_argument");

        Assert.Contains("surrogate", problem.GetProperty("detail").GetString());
        await Problems.AssertAsync(await _http.GetAsync($"/v1/journal/{txid}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/compat/journal/status/{txid}")).StatusCode);
    }

    // Found by FuzzTests: a message nested as deep as allowed (then 64) was stored, but the entry around it (one level more)
    // and the history segment it is folded into (five more) were read with the parser's default limit of 64: every read
    // of the request was a 500, before and after folding.
    [Fact]
    public async Task JournalMessage_NestedToTheLimit_ReadsBack_BeforeAndAfterFolding()
    {
        var txid = JournalHttp.NewTxid("deep");
        var deepest = Nested(JournalMessages.MaxDepth);
        await JournalHttp.AppendAsync(_http, txid, "begin", deepest);
        await JournalHttp.AppendAsync(_http, txid, "commit", deepest);

        await AssertReadsBackAsync(txid, deepest, "primary");

        // Past the fold age, the export folds the request into history (or the leader's own pass, woken by the clock,
        // already did); either way it is then read from history.
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        var export = await _http.PostAsync("/v1/admin/journal/export", null);
        Assert.True(export.IsSuccessStatusCode, await export.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _http.GetStringAsync($"/v1/journal/{txid}")).Contains("\"source\":\"history\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "The request was not folded into history within 30 s.");
            await Task.Delay(50);
        }

        await AssertReadsBackAsync(txid, deepest, "history");
    }

    [Fact]
    public async Task JournalMessage_NestedDeeperThanTheLimit_Returns400()
    {
        var txid = JournalHttp.NewTxid("too-deep");

        await Problems.AssertAsync(await JournalHttp.PostAsync(_http, $"/v1/journal/{txid}/begin", Nested(JournalMessages.MaxDepth + 1)), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await JournalHttp.PostAsync(_http, $"/compat/journal/{txid}/begin", Nested(JournalMessages.MaxDepth + 1)), HttpStatusCode.BadRequest, "invalid_argument");
    }

    // Found by FuzzTests: "now minus the age" went below DateTimeOffset.MinValue. Nothing is that old: an empty page.
    [Theory]
    [InlineData("?stuck=10675199d")]
    [InlineData("?stuck=10675199.02:48:05.4775807")]
    [InlineData("?stuck=10675199d&user=someone")]
    [InlineData("?stuck=10675199d&verb=get&limit=5")]
    public async Task StuckRequests_OlderThanTheCalendar_AreAnEmptyPage(string query)
    {
        await JournalHttp.AppendAsync(_http, JournalHttp.NewTxid("stuck-old"), "begin", """{"user_id": "someone", "verb": "get"}""");

        var response = await _http.GetAsync("/v1/journal" + query);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.Equal(0, JsonDocument.Parse(body).RootElement.GetProperty("requests").GetArrayLength());
    }

    private async Task AssertReadsBackAsync(string txid, string message, string source)
    {
        var request = await _http.GetAsync($"/v1/journal/{txid}");
        var body = await request.Content.ReadAsStringAsync();
        Assert.True(request.StatusCode == HttpStatusCode.OK, $"GET /v1/journal/{txid}: {(int)request.StatusCode} {body}");
        var steps = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JournalMessages.MaxDepth + 16 }).RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["begin", "commit"], steps.Select(s => s.GetProperty("step").GetString()));
        Assert.All(steps, s => Assert.Equal(source, s.GetProperty("source").GetString()));

        var status = await _http.GetAsync($"/v1/journal/{txid}/status");
        Assert.True(status.StatusCode == HttpStatusCode.OK, $"GET /v1/journal/{txid}/status: {(int)status.StatusCode} {await status.Content.ReadAsStringAsync()}");

        var compat = await _http.GetAsync($"/compat/journal/status/{txid}");
        var compatBody = await compat.Content.ReadAsStringAsync();
        Assert.True(compat.StatusCode == HttpStatusCode.OK, $"GET /compat/journal/status/{txid}: {(int)compat.StatusCode} {compatBody}");
        Assert.Equal("{\"status\": " + message + "}", compatBody);
    }

    // A JSON message of objects nested depth deep.
    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
}
