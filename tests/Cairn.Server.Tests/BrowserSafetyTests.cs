using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// A web page the user visits cannot read or change a Cairn that has no authentication: requests a browser marks as
/// sent by a page of another origin are refused, a loopback listener answers only loopback host names (DNS rebinding),
/// and a JSON body must say it is JSON; while curl and the clients go on working, and the Pulzar API stays open to pages
/// of any origin as its seed was (tested with its settings in <see cref="PulzarSeedContractTests"/>).
/// </summary>
public sealed class BrowserSafetyTests(ServerFixture fixture, AllowListServerFixture allowList)
    : IClassFixture<ServerFixture>, IClassFixture<AllowListServerFixture>
{
    private const string Evil = "http://evil.example";
    private const string WipeEverything = """{"success":[{"delete":{"key":"","prefix":true}}]}""";

    private readonly HttpClient _http = fixture.TcpHttp();

    [Theory]
    [InlineData("text/plain;charset=UTF-8")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json")]
    public async Task ForeignOrigin_TxnDeletingEverything_Is403_AndTheKeysStay(string contentType)
    {
        var key = await PutNewKeyAsync("wipe");

        var response = await _http.SendAsync(Post("/v1/txn", WipeEverything, contentType, origin: Evil));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("Http:AllowedOrigins", problem.GetProperty("detail").GetString());
        Assert.Equal("kept", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://localhost:3000")]
    [InlineData("https://127.0.0.1:{port}")]
    public async Task OriginOtherThanTheServersOwn_Is403(string origin)
    {
        var key = await PutNewKeyAsync("origin");

        var response = await _http.SendAsync(Post("/v1/txn", WipeEverything, "application/json", origin: origin.Replace("{port}", Port(fixture.TcpEndpoint), StringComparison.Ordinal)));

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("kept", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task ForeignOrigin_CannotWriteRawValuesOrCompactOrGrantLeases()
    {
        var key = await PutNewKeyAsync("raw");

        var put = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/" + key) { Content = new StringContent("overwritten") };
        put.Headers.Add("Origin", Evil);
        await Problems.AssertAsync(await _http.SendAsync(put), HttpStatusCode.Forbidden, "forbidden");
        var delete = new HttpRequestMessage(HttpMethod.Delete, "/v1/kv/" + key);
        delete.Headers.Add("Origin", Evil);
        await Problems.AssertAsync(await _http.SendAsync(delete), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await _http.SendAsync(Post("/v1/compact", "{\"revision\":1}", "text/plain", origin: Evil)), HttpStatusCode.Forbidden, "forbidden");
        await Problems.AssertAsync(await _http.SendAsync(Post("/v1/leases", "{\"ttl\":60}", "text/plain", origin: Evil)), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal("kept", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task SameOriginPost_Works()
    {
        var key = NewKey("same");
        var request = Post("/v1/txn", PutTxn(key, "from the page"), "application/json", origin: fixture.TcpEndpoint, site: "same-origin");

        var response = await _http.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("from the page", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task AllowListedOrigin_Works_AndOthersStillDoNot()
    {
        using var http = allowList.TcpHttp();
        var key = NewKey("allowed");
        var body = PutTxn(key, "from the allowed page");

        var allowed = await http.SendAsync(Post("/v1/txn", body, "application/json", origin: AllowListServerFixture.AllowedOrigin, site: "cross-site"));
        var other = await http.SendAsync(Post("/v1/txn", body, "application/json", origin: "http://allowed.example:8081", site: "cross-site"));

        Assert.True(allowed.IsSuccessStatusCode, await allowed.Content.ReadAsStringAsync());
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Origin"));
        await Problems.AssertAsync(other, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("from the allowed page", await http.GetStringAsync("/v1/kv/" + key));
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public async Task CrossSiteMarkedRequestsWithoutOrigin_Are403(string site)
    {
        var key = await PutNewKeyAsync("nocors");

        // What <img src=…> or <script src=…> on another site sends: no Origin, only the Sec-Fetch-* marks.
        foreach (var path in new[] { "/v1/extensions/search/" + key, "/v1/kv/" + key, "/v1/status", "/v1/watch?key=" + key })
        {
            var get = new HttpRequestMessage(HttpMethod.Get, path);
            get.Headers.Add("Sec-Fetch-Site", site);
            get.Headers.Add("Sec-Fetch-Mode", "no-cors");
            await Problems.AssertAsync(await _http.SendAsync(get), HttpStatusCode.Forbidden, "forbidden");
        }

        var export = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/journal/export");
        export.Headers.Add("Sec-Fetch-Site", site);
        await Problems.AssertAsync(await _http.SendAsync(export), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("none")]
    [InlineData("same-origin")]
    public async Task GetsThatABrowserMarksAsTypedOrSameOrigin_Work(string site)
    {
        var key = await PutNewKeyAsync("typed");
        var get = new HttpRequestMessage(HttpMethod.Get, "/v1/kv/" + key);
        get.Headers.Add("Sec-Fetch-Site", site);
        get.Headers.Add("Sec-Fetch-Mode", "navigate");

        var response = await _http.SendAsync(get);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("kept", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WatchSocket_FromAForeignOrigin_IsRefusedWithout101_AndFromItsOwnOriginOpens()
    {
        using var foreign = new ClientWebSocket();
        foreign.Options.CollectHttpResponseDetails = true;
        foreign.Options.SetRequestHeader("Origin", Evil);
        await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(WatchUri(fixture.TcpEndpoint), CancellationToken.None).WaitAsync(WatchSocketClient.Timeout));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.HttpStatusCode);

        using var own = new ClientWebSocket();
        own.Options.CollectHttpResponseDetails = true;
        own.Options.SetRequestHeader("Origin", fixture.TcpEndpoint);
        await own.ConnectAsync(WatchUri(fixture.TcpEndpoint), CancellationToken.None).WaitAsync(WatchSocketClient.Timeout);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, own.HttpStatusCode);
        Assert.Equal(WebSocketState.Open, own.State);
        await own.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(WatchSocketClient.Timeout);
    }

    [Fact]
    public async Task WatchSocket_FromAnAllowListedOrigin_Opens()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", AllowListServerFixture.AllowedOrigin);

        await socket.ConnectAsync(WatchUri(allowList.TcpEndpoint), CancellationToken.None).WaitAsync(WatchSocketClient.Timeout);

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(WatchSocketClient.Timeout);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:{port}")]
    [InlineData("localhost.evil.example:{port}")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("cairn.test:{port}")]
    public async Task ForeignHost_OnTheLoopbackListener_Is403(string host)
    {
        var key = await PutNewKeyAsync("rebind");
        var get = new HttpRequestMessage(HttpMethod.Get, "/v1/kv/" + key);
        get.Headers.Host = host.Replace("{port}", Port(fixture.TcpEndpoint), StringComparison.Ordinal);

        var problem = await Problems.AssertAsync(await _http.SendAsync(get), HttpStatusCode.Forbidden, "forbidden");

        Assert.Contains("Http:AllowedHosts", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("localhost:{port}")]
    [InlineData("localhost")]
    [InlineData("LocalHost.:{port}")]
    [InlineData("app.localhost:{port}")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("127.8.9.10")]
    [InlineData("[::1]:{port}")]
    public async Task LoopbackHost_OnTheLoopbackListener_Works(string host)
    {
        var key = await PutNewKeyAsync("loopback");
        var get = new HttpRequestMessage(HttpMethod.Get, "/v1/kv/" + key);
        get.Headers.Host = host.Replace("{port}", Port(fixture.TcpEndpoint), StringComparison.Ordinal);

        var response = await _http.SendAsync(get);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("cairn.test:{port}", HttpStatusCode.OK)]
    [InlineData("api.cairn.test", HttpStatusCode.OK)]
    [InlineData("localhost:{port}", HttpStatusCode.OK)]
    [InlineData("evil.example:{port}", HttpStatusCode.Forbidden)]
    [InlineData("cairn.test.evil.example", HttpStatusCode.Forbidden)]
    public async Task AllowListedHosts_AreAnsweredBesidesTheLoopbackNames(string host, HttpStatusCode expected)
    {
        using var http = allowList.TcpHttp();
        var get = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        get.Headers.Host = host.Replace("{port}", Port(allowList.TcpEndpoint), StringComparison.Ordinal);

        var response = await http.SendAsync(get);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("x")]
    [InlineData("master:9000")]
    public async Task UnixSocket_AnswersAnyHost(string host)
    {
        var key = await PutNewKeyAsync("unix");
        var (status, _, body) = await RawHttp.SendAsync(fixture.UnixEndpoint, $"GET /v1/kv/{key} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Equal("kept", body);
    }

    [Theory]
    [InlineData("/v1/txn", WipeEverything, "text/plain")]
    [InlineData("/v1/txn", WipeEverything, "multipart/form-data; boundary=x")]
    [InlineData("/v1/txn", WipeEverything, "application/xml")]
    [InlineData("/v1/compact", "{\"revision\":1}", "text/plain")]
    [InlineData("/v1/leases", "{\"ttl\":60}", "text/plain; charset=utf-8")]
    public async Task JsonBody_SentAsAnotherMediaType_Is415_EvenWithoutOrigin(string path, string body, string contentType)
    {
        var key = await PutNewKeyAsync("415");

        await Problems.AssertAsync(await _http.SendAsync(Post(path, body, contentType)), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        Assert.Equal("kept", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task FormBody_FromABrowser_Is415_EvenFromItsOwnOrigin()
    {
        var key = NewKey("form");
        var body = PutTxn(key, "x");

        var sameOrigin = await _http.SendAsync(Post("/v1/txn", body, "application/x-www-form-urlencoded", origin: fixture.TcpEndpoint));
        var marked = await _http.SendAsync(Post("/v1/txn", body, "application/x-www-form-urlencoded", site: "same-origin"));

        await Problems.AssertAsync(sameOrigin, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Problems.AssertAsync(marked, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v1/kv/" + key)).StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.cairn.txn+json")]
    [InlineData(null)]
    public async Task JsonBody_AsJsonOrWithoutContentType_Works(string? contentType)
    {
        var key = NewKey("json");

        var response = await _http.SendAsync(Post("/v1/txn", PutTxn(key, "ok"), contentType));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task TheReadmesCurlTxn_WithCurlsFormContentType_StillWorks()
    {
        var key = NewKey("curl");

        // curl -X POST localhost:7070/v1/txn -d '{…}': -d sends application/x-www-form-urlencoded.
        var curl = await Curl.RunAsync("-s", "-X", "POST", fixture.TcpEndpoint + "/v1/txn", "-d", PutTxn(key, "via curl"));

        Assert.Equal(0, curl.Exit);
        Assert.True(JsonDocument.Parse(curl.Stdout).RootElement.GetProperty("succeeded").GetBoolean(), curl.Stdout);
        Assert.Equal("via curl", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Fact]
    public async Task KvPut_TakesAnyContentType()
    {
        var key = NewKey("raw");

        var put = await _http.PutAsync("/v1/kv/" + key, new StringContent("plain text", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("plain text", await _http.GetStringAsync("/v1/kv/" + key));
    }

    [Theory]
    [InlineData("/compat/pulzar/admin/status")]
    [InlineData("/compat/pulzar/admin/network")]
    public async Task PulzarAdminReads_AreOpenToEveryOrigin_WithTheSeedsCorsHeader(string path)
    {
        var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.Add("Origin", Evil);
        get.Headers.Add("Sec-Fetch-Site", "cross-site");

        var response = await _http.SendAsync(get);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task PulzarAdminReads_OnThePulzarListener_AreOpenToo_ErrorsIncluded()
    {
        using var http = new HttpClient { BaseAddress = new Uri(allowList.PulzarEndpoint) };
        var network = new HttpRequestMessage(HttpMethod.Get, "/admin/network");
        network.Headers.Add("Origin", Evil);
        var unknownNode = new HttpRequestMessage(HttpMethod.Get, "/admin/network/no-such-node");
        unknownNode.Headers.Add("Origin", Evil);

        var found = await http.SendAsync(network);
        var missing = await http.SendAsync(unknownNode);

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal("*", found.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("*", missing.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task NoRouteButPulzars_SendsACorsHeader()
    {
        var key = await PutNewKeyAsync("cors");

        // The Pulzar API answers every origin by default, as its seed did (PulzarSeedContractTests); nothing else does.
        foreach (var path in new[] { "/v1/kv/" + key, "/v1/status", "/v1/admin/status", "/v1/blobs?q=x" })
        {
            var get = new HttpRequestMessage(HttpMethod.Get, path);
            get.Headers.Add("Origin", fixture.TcpEndpoint);
            var response = await _http.SendAsync(get);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), path);
        }
    }

    [Theory]
    [InlineData("Http:AllowedOrigins", "localhost:3000")]
    [InlineData("Http:AllowedOrigins", "http://localhost:3000/app")]
    [InlineData("Pulzar:AllowedOrigins", "localhost:3000")]
    [InlineData("Http:AllowedHosts", "http://cairn.test")]
    [InlineData("Http:AllowedHosts", "cairn.test:7070")]
    public async Task BadAllowListEntry_IsAClearStartupError(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-unstarted-" + Guid.NewGuid().ToString("N")), // never /tmp itself: start-up would close it
            ["Listen:0"] = "http://127.0.0.1:0",
            [setting] = value,
        }));

        Assert.Contains(setting, error.Message);
        Assert.Contains(value, error.Message);
    }

    private static string PutTxn(string key, string text) => JsonSerializer.Serialize(new { success = new[] { new { put = new { key, text } } } });

    private static string NewKey(string what) => $"browser/{what}/{Guid.NewGuid():N}";

    private static string Port(string endpoint) => new Uri(endpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Uri WatchUri(string endpoint) => new(endpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch");

    private static HttpRequestMessage Post(string path, string body, string? contentType, string? origin = null, string? site = null)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (site is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", site);
        }

        return request;
    }

    private async Task<string> PutNewKeyAsync(string what)
    {
        var key = NewKey(what);
        await Http.PutAsync(_http, key, "kept");
        return key;
    }
}
