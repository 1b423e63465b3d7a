using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>Every bad input gets a 4xx problem with a stable code, and the server goes on serving.</summary>
public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly HttpClient _http = fixture.TcpHttp();

    public Task InitializeAsync() => Task.CompletedTask;

    // After each bad request the server must still answer a good one.
    public async Task DisposeAsync()
    {
        var put = await _http.PutAsync("/v1/kv/still/alive", new StringContent("yes"));
        Assert.True(put.IsSuccessStatusCode);
        Assert.Equal("yes", await _http.GetStringAsync("/v1/kv/still/alive"));
    }

    [Fact]
    public async Task OversizedKey_Returns400KeyTooLarge()
    {
        var key = new string('k', 5000);

        var problem = await Problems.AssertAsync(await _http.PutAsync("/v1/kv/" + key, new StringContent("v")), HttpStatusCode.BadRequest, "key_too_large");

        Assert.Equal(4096, problem.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task OversizedValue_Returns413TooLarge()
    {
        var value = new ByteArrayContent(new byte[(1024 * 1024) + 1]);

        var problem = await Problems.AssertAsync(await _http.PutAsync("/v1/kv/big", value), HttpStatusCode.RequestEntityTooLarge, "too_large");

        Assert.Equal(1024 * 1024, problem.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task OversizedValue_WithoutContentLength_Returns413TooLarge()
    {
        var chunked = new StreamContent(new MemoryStream(new byte[(1024 * 1024) + 10]));
        var request = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/big-chunked") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;

        await Problems.AssertAsync(await _http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "too_large");
    }

    [Fact]
    public async Task OversizedTxnBody_Returns413TooLarge_BeforeTheBodyIsSent()
    {
        // The server answers from the Content-Length alone; a client still uploading would see a reset instead.
        var head = "POST /v1/txn HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5242880\r\nConnection: close\r\n\r\n";

        var (status, headers, body) = await RawHttp.SendAsync(fixture.TcpEndpoint, head);

        Assert.Equal(413, status);
        Assert.Contains("application/problem+json", headers);
        Assert.Contains("\"code\":\"too_large\"", body);
    }

    [Fact]
    public async Task BrokenPercentEncodingInAKey_Returns400Problem()
    {
        var head = "GET /v1/kv/bad%2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

        var (status, _, body) = await RawHttp.SendAsync(fixture.TcpEndpoint, head);

        Assert.Equal(400, status);
        Assert.Contains("\"code\":\"invalid_argument\"", body);
    }

    [Fact]
    public async Task NulInAKey_IsRejectedWith400()
    {
        // Kestrel itself refuses a decoded NUL in the path, before any Cairn code runs, so there is no problem body.
        var head = "PUT /v1/kv/nul%00byte HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nConnection: close\r\n\r\nv";

        var (status, _, _) = await RawHttp.SendAsync(fixture.TcpEndpoint, head);

        Assert.Equal(400, status);
    }

    [Theory]
    [InlineData("{\"compare\":[")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"a\"},\"delete\":{\"key\":\"b\"}}]}")]
    [InlineData("{\"success\":[{}]}")]
    [InlineData("{\"succes\":[]}")]
    [InlineData("{\"success\":[{\"put\":{\"text\":\"no key\"}}]}")]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"a\"}},{\"put\":{\"key\":\"a\"}}]}")]
    [InlineData("{\"success\":[{\"range\":{\"key\":\"a\",\"prefix\":true,\"end\":\"b\"}}]}")]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"lone\\ud800surrogate\",\"text\":\"x\"}}]}")]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"\",\"text\":\"x\"}}]}")]
    [InlineData("{\"success\":[{\"delete\":{\"key\":\"a\",\"end\":\"\"}}]}")]
    public async Task MalformedTxn_Returns400InvalidArgument(string body)
    {
        var problem = await Problems.AssertAsync(await _http.PostAsync("/v1/txn", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_argument");

        Problems.AssertReadable(problem.GetProperty("detail").GetString()!);
    }

    [Theory]
    [InlineData("{\"success\":[],\"colour\":1}", "unknown field 'colour'")]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"a\",\"lease\":\"soon\"}}]}", "$.success[0].put.lease")]
    [InlineData("{\"success\":[{\"put\":", "line 1")]
    public async Task BadJson_IsDescribedInTheUsersTerms(string body, string expected)
    {
        var problem = await Problems.AssertAsync(await _http.PostAsync("/v1/txn", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_argument");

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Problems.AssertReadable(detail);
    }

    [Fact]
    public async Task Answers_AreReadableJson_WithQuotesAndAccentsAsThemselves()
    {
        using var response = await _http.GetAsync("/v1/kv/o'brien/caf%C3%A9");

        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("'o'brien/café'", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCompareTarget_Returns400_NamingTheTargets()
    {
        var body = "{\"compare\":[{\"key\":\"a\",\"target\":\"colour\",\"result\":\"equal\"}]}";

        var problem = await Problems.AssertAsync(await _http.PostAsync("/v1/txn", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_argument");

        Assert.Contains("colour", problem.GetProperty("detail").GetString());
        Assert.Contains("modRevision", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TxnWithTooManyOps_Returns400TooManyOps()
    {
        var ops = string.Join(',', Enumerable.Range(0, 129).Select(i => $"{{\"put\":{{\"key\":\"ops/{i}\",\"text\":\"x\"}}}}"));

        await Problems.AssertAsync(await _http.PostAsync("/v1/txn", new StringContent($"{{\"success\":[{ops}]}}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "too_many_ops");
    }

    [Fact]
    public async Task NegativeRevision_Returns400()
    {
        await _http.PutAsync("/v1/kv/rev/k", new StringContent("v"));

        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/rev/k?revision=-1"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv?prefix=rev/&revision=-5"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task NonNumericRevision_Returns400()
    {
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/rev/k?revision=yesterday"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task FutureRevision_Returns400_WithTheCurrentRevision()
    {
        await _http.PutAsync("/v1/kv/rev/future", new StringContent("v"));

        var problem = await Problems.AssertAsync(await _http.GetAsync("/v1/kv/rev/future?revision=999999999"), HttpStatusCode.BadRequest, "future_revision");

        Assert.True(problem.GetProperty("currentRevision").GetInt64() > 0);
    }

    [Fact]
    public async Task CompactedRevision_Returns410_WithTheCompactRevision()
    {
        var first = await (await _http.PutAsync("/v1/kv/rev/compacted", new StringContent("1"))).Content.ReadFromJsonAsync<JsonElement>();
        var second = await (await _http.PutAsync("/v1/kv/rev/compacted", new StringContent("2"))).Content.ReadFromJsonAsync<JsonElement>();
        var compactTo = second.GetProperty("revision").GetInt64();
        var compact = await _http.PostAsync("/v1/compact", new StringContent($"{{\"revision\":{compactTo}}}", Encoding.UTF8, "application/json"));
        Assert.True(compact.IsSuccessStatusCode, await compact.Content.ReadAsStringAsync());

        var problem = await Problems.AssertAsync(
            await _http.GetAsync($"/v1/kv/rev/compacted?revision={first.GetProperty("revision").GetInt64()}"), HttpStatusCode.Gone, "compacted");

        Assert.True(problem.GetProperty("compactRevision").GetInt64() >= compactTo);
        Assert.Equal("2", await _http.GetStringAsync($"/v1/kv/rev/compacted?revision={compactTo}"));
    }

    [Theory]
    [InlineData("/v1/kv/bad%FF")]
    [InlineData("/v1/kv/bad%C3%28")]
    [InlineData("/v1/kv/bad%ED%A0%80")]
    public async Task InvalidUtf8OrEncodingInAKey_Returns400(string path)
    {
        await Problems.AssertAsync(await _http.PutAsync(path, new StringContent("v")), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.GetAsync(path), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task BadIfMatch_Returns400()
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/cas/bad") { Content = new StringContent("v") };
        request.Headers.TryAddWithoutValidation("If-Match", "not-a-revision");

        await Problems.AssertAsync(await _http.SendAsync(request), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task BadListLimit_Returns400()
    {
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv?prefix=a&limit=0"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv?prefix=a&limit=100000"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task UnknownRouteAndMethod_AreProblems()
    {
        await Problems.AssertAsync(await _http.GetAsync("/v2/nothing"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await _http.PatchAsync("/v1/kv/a", new StringContent("x")), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task CompactWithBadRevision_Returns400()
    {
        await Problems.AssertAsync(await _http.PostAsync("/v1/compact", new StringContent("{\"revision\":0}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.PostAsync("/v1/compact", new StringContent("{\"revision\":99999999}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "future_revision");
    }
}
