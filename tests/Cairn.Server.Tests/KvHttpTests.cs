using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

public sealed class KvHttpTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    [Fact]
    public async Task Put_ThenGet_ReturnsTheRawBytes_OverTcpAndTheUnixSocket()
    {
        var put = await _http.PutAsync("/v1/kv/tour/a/b", new StringContent("hello"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var unix = fixture.UnixHttp();
        var viaUnix = await unix.GetAsync("/v1/kv/tour/a/b");
        Assert.Equal(HttpStatusCode.OK, viaUnix.StatusCode);
        Assert.Equal("application/octet-stream", viaUnix.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello", await viaUnix.Content.ReadAsStringAsync());
        Assert.Equal("hello", await _http.GetStringAsync("/v1/kv/tour/a/b"));
    }

    [Fact]
    public async Task Put_Returns201ThenReturns200_WithTheNewModRevisionAsETag()
    {
        var first = await _http.PutAsync("/v1/kv/etag/key", new StringContent("1"));
        var second = await _http.PutAsync("/v1/kv/etag/key", new StringContent("2"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var body = await second.Content.ReadFromJsonAsync<JsonElement>();
        var revision = body.GetProperty("revision").GetInt64();
        Assert.Equal($"\"{revision}\"", second.Headers.ETag?.Tag);
        Assert.Equal(revision.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Headers.GetValues("Cairn-Revision").Single());

        var get = await _http.GetAsync("/v1/kv/etag/key");
        Assert.Equal($"\"{revision}\"", get.Headers.ETag?.Tag);
        Assert.Equal("2", get.Headers.GetValues("Cairn-Version").Single());
    }

    [Fact]
    public async Task Get_ReturnsJsonWithMetadata_WhenAskedForJson()
    {
        await _http.PutAsync("/v1/kv/meta/k", new StringContent("v"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/kv/meta/k");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var body = await (await _http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();

        var kv = body.GetProperty("kv");
        Assert.Equal("meta/k", kv.GetProperty("key").GetString());
        Assert.Equal("v", Encoding.UTF8.GetString(kv.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(1, kv.GetProperty("version").GetInt64());
        Assert.True(kv.GetProperty("modRevision").GetInt64() > 0);
    }

    [Fact]
    public async Task Get_Returns404Problem_WhenTheKeyIsMissing()
    {
        var response = await _http.GetAsync("/v1/kv/missing/key");

        var problem = await Problems.AssertAsync(response, HttpStatusCode.NotFound, "key_not_found");
        Assert.Equal("missing/key", problem.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Put_WithIfNoneMatchStar_CreatesOnce_ThenReturns412()
    {
        var create = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/cas/create") { Content = new StringContent("first") };
        create.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        var again = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/cas/create") { Content = new StringContent("second") };
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);

        Assert.Equal(HttpStatusCode.Created, (await _http.SendAsync(create)).StatusCode);
        await Problems.AssertAsync(await _http.SendAsync(again), HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("first", await _http.GetStringAsync("/v1/kv/cas/create"));
    }

    [Fact]
    public async Task Put_WithStaleIfMatch_Returns412_AndKeepsTheValue()
    {
        var first = await _http.PutAsync("/v1/kv/cas/stale", new StringContent("1"));
        var etag = first.Headers.ETag!;
        await _http.PutAsync("/v1/kv/cas/stale", new StringContent("2"));

        var stale = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/cas/stale") { Content = new StringContent("3") };
        stale.Headers.IfMatch.Add(etag);
        var problem = await Problems.AssertAsync(await _http.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition_failed");

        Assert.True(problem.GetProperty("modRevision").GetInt64() > long.Parse(etag.Tag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("2", await _http.GetStringAsync("/v1/kv/cas/stale"));
    }

    [Fact]
    public async Task Delete_RemovesTheKey_AndAnswers404TheSecondTime()
    {
        await _http.PutAsync("/v1/kv/del/one", new StringContent("x"));

        var first = await _http.DeleteAsync("/v1/kv/del/one");
        var body = await first.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(1, body.GetProperty("deleted").GetInt64());
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/del/one"), HttpStatusCode.NotFound, "key_not_found");
        await Problems.AssertAsync(await _http.DeleteAsync("/v1/kv/del/one"), HttpStatusCode.NotFound, "key_not_found");
    }

    [Fact]
    public async Task DeleteWithPrefix_RemovesEveryKeyUnderIt_AndNothingElse()
    {
        foreach (var key in new[] { "dp/a", "dp/b/c", "dq" })
        {
            await _http.PutAsync("/v1/kv/" + key, new StringContent("x"));
        }

        var body = await (await _http.DeleteAsync("/v1/kv/dp/?prefix=true")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(2, body.GetProperty("deleted").GetInt64());
        Assert.Equal("x", await _http.GetStringAsync("/v1/kv/dq"));
    }

    [Fact]
    public async Task List_PagesThroughAPrefix_InKeyOrder_AtOneRevision()
    {
        for (var i = 0; i < 25; i++)
        {
            await _http.PutAsync($"/v1/kv/page/{i:D2}", new StringContent(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var keys = new List<string>();
        string? after = null;
        long? revision = null;
        do
        {
            var url = $"/v1/kv?prefix=page/&limit=10" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)) + (revision is null ? "" : $"&revision={revision}");
            var page = await _http.GetFromJsonAsync<JsonElement>(url);
            revision ??= page.GetProperty("revision").GetInt64();
            Assert.Equal(25, page.GetProperty("count").GetInt64() + keys.Count);
            keys.AddRange(page.GetProperty("kvs").EnumerateArray().Select(kv => kv.GetProperty("key").GetString()!));
            after = page.TryGetProperty("next", out var next) ? next.GetString() : null;
            await _http.PutAsync("/v1/kv/page/99-written-while-paging", new StringContent("late"));
        }
        while (after is not null);

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"page/{i:D2}"), keys);
    }

    [Fact]
    public async Task Get_AtAPastRevision_ReturnsTheValueAsItWasThen()
    {
        var first = await (await _http.PutAsync("/v1/kv/past/k", new StringContent("old"))).Content.ReadFromJsonAsync<JsonElement>();
        await _http.PutAsync("/v1/kv/past/k", new StringContent("new"));

        var old = await _http.GetStringAsync($"/v1/kv/past/k?revision={first.GetProperty("revision").GetInt64()}");

        Assert.Equal("old", old);
        Assert.Equal("new", await _http.GetStringAsync("/v1/kv/past/k"));
    }

    [Theory]
    [InlineData("spaces/a%20b", "spaces/a b")]
    [InlineData("unicode/%C3%A9t%C3%A9", "unicode/été")]
    [InlineData("slash%2Fencoded", "slash/encoded")]
    [InlineData("symbols/-_.~!$&'()*+,;=:@", "symbols/-_.~!$&'()*+,;=:@")]
    public async Task Keys_WithSpecialCharacters_RoundTrip(string path, string key)
    {
        await _http.PutAsync("/v1/kv/" + path, new StringContent("v"));

        var list = await _http.GetFromJsonAsync<JsonElement>("/v1/kv?prefix=" + Uri.EscapeDataString(key));

        Assert.Equal(key, list.GetProperty("kvs")[0].GetProperty("key").GetString());
        Assert.Equal("v", await _http.GetStringAsync("/v1/kv/" + path));
    }

    [Fact]
    public async Task Txn_PutsAtomically_WhenTheCompareHolds()
    {
        var txn = """
            {"compare":[{"key":"txn/absent","target":"version","result":"equal","number":0}],
             "success":[{"put":{"key":"txn/a","text":"1"}},{"put":{"key":"txn/b","text":"2"}},{"range":{"key":"txn/","prefix":true}}],
             "failure":[]}
            """;

        var response = await _http.PostAsync("/v1/txn", new StringContent(txn, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(body.GetProperty("succeeded").GetBoolean());
        var results = body.GetProperty("results");
        Assert.Equal(results[0].GetProperty("put").GetProperty("revision").GetInt64(), results[1].GetProperty("put").GetProperty("revision").GetInt64());
        Assert.Equal(2, results[2].GetProperty("range").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Status_Health_Metrics_AndOpenApi_Answer()
    {
        await _http.PutAsync("/v1/kv/status/k", new StringContent("v"));

        var status = await _http.GetFromJsonAsync<JsonElement>("/v1/status");
        Assert.Equal("sqlite", status.GetProperty("backend").GetString());
        Assert.True(status.GetProperty("revision").GetInt64() > 1);
        Assert.True(status.GetProperty("keyCount").GetInt64() >= 1);
        Assert.True(status.GetProperty("sizeBytes").GetInt64() > 0);

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).StatusCode);
        Assert.Contains("http_request_duration_seconds", await _http.GetStringAsync("/metrics"));
        var openApi = await _http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/txn", out _));
    }
}
