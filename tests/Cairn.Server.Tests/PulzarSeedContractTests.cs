using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// What scripts and web pages written for the original Pulzar rely on, on every backend: CORS open to every origin
/// (or to <c>Pulzar:AllowedOrigins</c>), <c>eq</c> winning over <c>lt</c>/<c>gt</c> in a search, <c>temporal=-1</c> and
/// <c>0</c> meaning no expiry, the seed's fields in <c>/admin/status</c>, and the body of a missing key's 404. Each test
/// starts a server of its own (SQLite, or the assembly's etcd) with a Pulzar listener, over real TCP.
/// </summary>
public abstract class PulzarSeedContractTests : IAsyncLifetime
{
    private const string Page = "http://dashboard.example:8080";
    private const string OtherPage = "http://evil.example";

    private readonly List<CairnServer> _servers = [];
    private readonly List<string> _dirs = [];

    /// <summary>The backend's name as <c>/admin/status</c> reports it.</summary>
    protected abstract string Backend { get; }

    /// <summary>What <c>psize</c> must be: the store's page size, or null where the backend does not tell.</summary>
    protected abstract long? PageSize { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Settings that put a server on the backend (for etcd: its endpoint, once it is emptied).</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync();

    [Fact]
    public async Task Preflight_FromAPageOfAnyOrigin_Is204_WithTheSeedsCorsHeaders()
    {
        var server = await StartAsync();

        foreach (var (endpoint, path) in new[] { (Pulzar(server), "/add_key/cors/a.txt"), (MainApi(server), "/compat/pulzar/add_key/cors/a.txt"), (Pulzar(server), "/delete_key/cors/a.txt") })
        {
            using var http = new HttpClient { BaseAddress = new Uri(endpoint) };
            using var response = await http.SendAsync(Preflight(path, OtherPage, "PUT"));

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal("*", AllowOrigin(response));
            var methods = response.Headers.GetValues("Access-Control-Allow-Methods").SelectMany(v => v.Split(',')).Select(m => m.Trim()).ToHashSet();
            Assert.Superset(new HashSet<string> { "GET", "PUT", "POST", "DELETE", "HEAD" }, methods);
            Assert.Contains("content-type", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        }

        // A plain OPTIONS (curl -X OPTIONS), not a preflight, is answered too.
        var options = await Curl.RunAsync("-s", "-i", "-X", "OPTIONS", Pulzar(server) + "/get_key/any");
        Assert.StartsWith("HTTP/1.1 204", options.Stdout);
        Assert.Contains("Allow: GET, HEAD, PUT, POST, DELETE, OPTIONS", options.Stdout);
    }

    [Fact]
    public async Task APageOfAnyOrigin_AddsReadsSearchesAndDeletes_AndReadsEveryAnswer()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };

        using var add = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/cors/page.txt", OtherPage, "from a page"));
        using var again = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/cors/page.txt", OtherPage, "again"));
        using var get = await http.SendAsync(FromPage(HttpMethod.Get, "/get_key/cors/page.txt", OtherPage));
        using var search = await http.SendAsync(FromPage(HttpMethod.Get, "/third_party/search/page", OtherPage));
        using var status = await http.SendAsync(FromPage(HttpMethod.Get, "/admin/status", OtherPage));
        using var delete = await http.SendAsync(FromPage(HttpMethod.Delete, "/delete_key/cors/page.txt", OtherPage));
        using var missing = await http.SendAsync(FromPage(HttpMethod.Get, "/get_key/cors/page.txt", OtherPage));

        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal(HttpStatusCode.NotAcceptable, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("from a page", await get.Content.ReadAsStringAsync());
        Assert.Contains("cors/page.txt", await search.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        foreach (var response in new[] { add, again, get, search, status, delete, missing })
        {
            Assert.Equal("*", AllowOrigin(response));
        }

        // The same under /compat/pulzar on the main listener.
        using var main = new HttpClient { BaseAddress = new Uri(MainApi(server)) };
        using var compat = await main.SendAsync(FromPage(HttpMethod.Put, "/compat/pulzar/add_key/cors/main.txt", OtherPage, "x"));
        Assert.Equal(HttpStatusCode.Created, compat.StatusCode);
        Assert.Equal("*", AllowOrigin(compat));
    }

    [Fact]
    public async Task WithAllowedOriginsSet_OnlyThosePagesGetIn_AndOthersAreRefusedAsBefore()
    {
        var server = await StartAsync(("Pulzar:AllowedOrigins", Page + ", http://second.example"));
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };

        using var preflight = await http.SendAsync(Preflight("/add_key/list/a.txt", Page, "PUT"));
        using var add = await http.SendAsync(FromPage(HttpMethod.Put, "/add_key/list/a.txt", Page, "listed"));
        using var second = await http.SendAsync(FromPage(HttpMethod.Get, "/get_key/list/a.txt", "http://second.example"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Page, AllowOrigin(preflight));
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal(Page, AllowOrigin(add));
        Assert.Equal("listed", await second.Content.ReadAsStringAsync());
        Assert.Equal("http://second.example", AllowOrigin(second));

        using var otherPreflight = await http.SendAsync(Preflight("/add_key/list/b.txt", OtherPage, "PUT"));
        Assert.Null(AllowOrigin(otherPreflight));
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/add_key/list/b.txt"), (HttpMethod.Get, "/get_key/list/a.txt"), (HttpMethod.Delete, "/delete_key/list/a.txt"), (HttpMethod.Get, "/admin/status") })
        {
            using var response = await http.SendAsync(FromPage(method, path, OtherPage, method == HttpMethod.Post ? "evil" : null));
            var problem = await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
            Assert.Contains("Pulzar:AllowedOrigins", problem.GetProperty("detail").GetString());
            Assert.Null(AllowOrigin(response));
        }

        var stored = await Curl.RunAsync("-s", "-o", "/dev/null", "-w", "%{http_code}", Pulzar(server) + "/get_key/list/b.txt");
        Assert.Equal("404", stored.Stdout);
        Assert.Equal("listed", await http.GetStringAsync("/get_key/list/a.txt"));
    }

    [Fact]
    public async Task WithAllowedOriginsNone_PagesOfOtherOriginsAreRefused_AsOnV1()
    {
        var server = await StartAsync(("Pulzar:AllowedOrigins", "none"));
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/closed/secret.txt", new StringContent("secret"))).StatusCode);

        foreach (var request in new[]
        {
            Preflight("/add_key/closed/other.txt", OtherPage, "PUT"),
            FromPage(HttpMethod.Get, "/get_key/closed/secret.txt", OtherPage),
            FromPage(HttpMethod.Get, "/third_party/search/secret", OtherPage),
            FromPage(HttpMethod.Get, "/admin/status", OtherPage),
            FromPage(HttpMethod.Delete, "/delete_key/closed/secret.txt", OtherPage),
            FromPage(HttpMethod.Put, "/add_key/closed/other.txt", OtherPage, "evil"),
        })
        {
            using var response = await http.SendAsync(request);
            var problem = await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
            Assert.Contains("Http:AllowedOrigins", problem.GetProperty("detail").GetString());
            Assert.Null(AllowOrigin(response));
        }

        Assert.Equal("secret", await http.GetStringAsync("/get_key/closed/secret.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/get_key/closed/other.txt")).StatusCode);
    }

    [Fact]
    public async Task NativeApi_StillRefusesPagesOfOtherOrigins_AndSendsNoCorsHeader()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(MainApi(server)) };

        using var kv = await http.SendAsync(FromPage(HttpMethod.Put, "/v1/kv/native/x", OtherPage, "evil"));
        using var blob = await http.SendAsync(FromPage(HttpMethod.Put, "/v1/blobs/native/x.txt", OtherPage, "evil"));
        using var status = await http.SendAsync(FromPage(HttpMethod.Get, "/v1/admin/status", OtherPage));
        using var preflight = await http.SendAsync(Preflight("/v1/kv/native/x", OtherPage, "PUT"));

        foreach (var response in new[] { kv, blob, status })
        {
            await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
            Assert.Null(AllowOrigin(response));
        }

        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Null(AllowOrigin(preflight));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/kv/native/x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/blobs/native/x.txt")).StatusCode);
    }

    [Fact]
    public async Task Search_EqWinsOverLtAndGt()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/eq/first-report.txt", new StringContent("1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/eq/second-report.txt", new StringContent("2"))).StatusCode);
        var today = DateTime.UtcNow;
        var yesterday = D(today.AddDays(-1));

        async Task<string[]> KeysAsync(string query) =>
            [.. JsonDocument.Parse(await http.GetStringAsync("/third_party/search/report" + query)).RootElement
                .GetProperty("results").EnumerateArray().Select(r => r.GetProperty("key").GetString()!)];

        // lt/gt alone still filter; with eq they are not looked at (the original's "eq has precedence").
        Assert.Empty(await KeysAsync($"?lt={yesterday}"));
        Assert.Equal(["eq/first-report.txt", "eq/second-report.txt"], await KeysAsync($"?eq={D(today)}&lt={D(today)}"));
        Assert.Equal(["eq/first-report.txt", "eq/second-report.txt"], await KeysAsync($"?gt={D(today)}&eq={D(today)}&lt={yesterday}"));
        Assert.Empty(await KeysAsync($"?eq={yesterday}&gt={yesterday}"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task Temporal_MinusOneOrZero_MeansNoExpiry(string temporal)
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };

        var add = await Curl.RunAsync("-s", "-w", " %{http_code}", "-X", "PUT", "--data-binary", "kept", $"{Pulzar(server)}/add_key/temporal/forever.txt?temporal={temporal}");

        Assert.Equal("record added\n 201", add.Stdout);
        using var main = new HttpClient { BaseAddress = new Uri(MainApi(server)) };
        using var head = await main.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/blobs/temporal/forever.txt"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Null(head.Content.Headers.Expires);
        Assert.Equal("kept", await http.GetStringAsync("/get_key/temporal/forever.txt"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("-1.5")]
    [InlineData("")]
    public async Task Temporal_NotAWholeNumber_Is400_AndNothingIsWritten(string temporal)
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };

        using var add = await http.PutAsync($"/add_key/temporal/bad.txt?temporal={temporal}", new StringContent("x"));

        var problem = await Problems.AssertAsync(add, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains("temporal", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/get_key/temporal/bad.txt")).StatusCode);
    }

    [Fact]
    public async Task AdminStatus_HasTheSeedsFields_WithTheStoresFigures()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Pulzar(server)) };
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/status/one.bin", new ByteArrayContent(new byte[5000]))).StatusCode);

        var status = JsonDocument.Parse(await http.GetStringAsync("/admin/status")).RootElement;

        // The seed's fields, flat, as LMDB's stat named them; null where the store cannot tell (documented).
        Assert.Equal(PageSize, Number(status, "psize"));
        foreach (var unknown in new[] { "depth", "branch_pages", "leaf_pages", "overflow_pages" })
        {
            Assert.Equal(JsonValueKind.Null, status.GetProperty(unknown).ValueKind);
        }

        Assert.Equal(1, status.GetProperty("entries").GetInt64());

        // Cairn's own, beside them.
        Assert.Equal(5000, status.GetProperty("bytes").GetInt64());
        Assert.Equal(Backend, status.GetProperty("backend").GetString());
        Assert.True(status.GetProperty("dbSizeBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task MissingKey_Is404_WithAStableBody()
    {
        var server = await StartAsync();

        var get = await Curl.RunAsync("-s", "-w", "\n%{http_code} %{content_type}", "-X", "GET", "-L", Pulzar(server) + "/get_key/seed/none.bin");
        var delete = await Curl.RunAsync("-s", "-w", "\n%{http_code} %{content_type}", "-X", "DELETE", "-L", Pulzar(server) + "/delete_key/seed/none.bin");

        // Scripts that matched the original's 200 "key not found" match this body instead (README: differences).
        Assert.Equal(
            """{"type":"urn:cairn:error:key_not_found","title":"Key not found","status":404,"detail":"Key 'seed/none.bin' not found.","code":"key_not_found","instance":"/get_key/seed/none.bin","key":"seed/none.bin"}""" + "\n404 application/problem+json",
            get.Stdout);
        Assert.Equal(
            """{"type":"urn:cairn:error:key_not_found","title":"Key not found","status":404,"detail":"Key 'seed/none.bin' not found.","code":"key_not_found","instance":"/delete_key/seed/none.bin","key":"seed/none.bin"}""" + "\n404 application/problem+json",
            delete.Stdout);
    }

    private static string D(DateTime day) => day.ToString("MM-dd-yyyy", CultureInfo.InvariantCulture);

    private static long? Number(JsonElement json, string name) =>
        json.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetInt64() : null;

    private static string Pulzar(CairnServer server) => server.CompatAddresses("pulzar").Single();

    private static string MainApi(CairnServer server) => server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    private static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? string.Join(",", values) : null;

    // What fetch() on a page of another origin sends: Origin, and the browser's Sec-Fetch-* marks.
    private static HttpRequestMessage FromPage(HttpMethod method, string path, string origin, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        request.Headers.Add("Origin", origin);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Sec-Fetch-Mode", "cors");
        return request;
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method)
    {
        var request = FromPage(HttpMethod.Options, path, origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return request;
    }

    private async Task<CairnServer> StartAsync(params (string Setting, string Value)[] extra)
    {
        var dir = Directory.CreateTempSubdirectory("cairn-pulzar-").FullName;
        _dirs.Add(dir);
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Pulzar:Listen:0"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (setting, value) in await BackendSettingsAsync())
        {
            settings[setting] = value;
        }

        foreach (var (setting, value) in extra)
        {
            settings[setting] = value;
        }

        var server = await CairnServer.StartAsync([], settings);
        _servers.Add(server);
        return server;
    }
}
