using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>The seed's Pulzar API with its own listener, driven by the real curl with the seed's own command lines.</summary>
public sealed class PulzarCompatTests(VolumeServerFixture fixture) : IClassFixture<VolumeServerFixture>
{
    private static string Temp(byte[] content)
    {
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task TheSeedsCurlExamples_WorkUnchanged()
    {
        var url = fixture.PulzarEndpoint;
        var original = Temp(Bytes(3_000_000, 1));
        var other = Temp(Bytes(1000, 2));
        var back = Path.GetTempFileName();
        try
        {
            // curl -X PUT -L -T /path/to/file http://master:[port]/add_key/{key}
            var add = await Curl.RunAsync("-s", "-w", "%{http_code}", "-X", "PUT", "-L", "-T", original, $"{url}/add_key/seed/conf-1.bin");
            Assert.Equal(0, add.Exit);
            Assert.EndsWith("201", add.Stdout);
            Assert.Contains("record added", add.Stdout);

            // The same key again: 406, and (unlike the seed) the stored bytes stay.
            var again = await Curl.RunAsync("-s", "-w", "%{http_code}", "-X", "PUT", "-L", "-T", other, $"{url}/add_key/seed/conf-1.bin");
            Assert.EndsWith("406", again.Stdout);

            // curl -X GET -L http://master:[port]/get_key/{key}
            var get = await Curl.RunAsync("-s", "-X", "GET", "-L", "-o", back, "-w", "%{http_code} %{content_type}", $"{url}/get_key/seed/conf-1.bin");
            Assert.Equal("200 application/octet-stream", get.Stdout);
            Assert.Equal(await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(back));

            // ?temporal={int}
            var temporal = await Curl.RunAsync("-s", "-w", "%{http_code}", "-X", "PUT", "-L", "-T", other, $"{url}/add_key/seed/tmp-1.bin?temporal=2");
            Assert.EndsWith("201", temporal.Stdout);
            using var http = fixture.TcpHttp();
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/blobs/seed/tmp-1.bin"));
            var expires = head.Content.Headers.Expires!.Value;
            Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(2) - TimeSpan.FromMinutes(5), TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));

            // curl -X DELETE -L http://master:[port]/delete_key/{key}
            var delete = await Curl.RunAsync("-s", "-w", "%{http_code}", "-X", "DELETE", "-L", $"{url}/delete_key/seed/conf-1.bin");
            Assert.EndsWith("200", delete.Stdout);
            var gone = await Curl.RunAsync("-s", "-o", "/dev/null", "-w", "%{http_code}", $"{url}/get_key/seed/conf-1.bin");
            Assert.Equal("404", gone.Stdout);
        }
        finally
        {
            File.Delete(original);
            File.Delete(other);
            File.Delete(back);
        }
    }

    [Theory]
    [InlineData("with-dash/a-b-c.txt", "with-dash/a-b-c.txt")]
    [InlineData("sp%20ace/x%2By.txt", "sp ace/x+y.txt")]
    [InlineData("q%3Fmark%23hash%25pct", "q?mark#hash%pct")]
    [InlineData("%C3%BCn%C3%AFcode/%E6%97%A5.txt", "ünïcode/日.txt")]
    public async Task KeysWithAnyCharacterAUrlCanCarry_Work(string path, string key)
    {
        using var http = fixture.PulzarHttp();
        var body = Bytes(2000, path.Length);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/add_key/" + path, new ByteArrayContent(body))).StatusCode);

        Assert.Equal(body, await http.GetByteArrayAsync("/get_key/" + path));
        using var main = fixture.TcpHttp();
        var listing = JsonDocument.Parse(await main.GetStringAsync("/v1/blobs?q=" + Uri.EscapeDataString(key))).RootElement;
        Assert.Contains(listing.GetProperty("items").EnumerateArray(), i => i.GetProperty("key").GetString() == key);
    }

    [Theory]
    [InlineData("/add_key/../escape.txt")]
    [InlineData("/add_key/a/%2E%2E/escape.txt")]
    [InlineData("/add_key/a//b")]
    public async Task TraversalInAKey_IsRefused_AndNothingIsStored(string path)
    {
        var (status, _, body) = await RawHttp.SendAsync(
            fixture.PulzarEndpoint,
            $"PUT {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
            "hello"u8.ToArray());

        Assert.Equal(400, status);
        Assert.Contains("invalid_argument", body);
        using var main = fixture.TcpHttp();
        var listing = JsonDocument.Parse(await main.GetStringAsync("/v1/blobs?q=escape")).RootElement;
        Assert.Empty(listing.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Search_ByTextAndDate_TheSeedsRoute()
    {
        using var http = fixture.PulzarHttp();
        await http.PutAsync("/add_key/search/alpha-report.txt", new ByteArrayContent(Bytes(100, 1)));
        await http.PutAsync("/add_key/search/beta-report.txt", new ByteArrayContent(Bytes(100, 2)));
        var today = DateTime.UtcNow;
        string D(DateTime d) => d.ToString("MM-dd-yyyy", System.Globalization.CultureInfo.InvariantCulture);

        async Task<string[]> KeysAsync(string query)
        {
            var json = JsonDocument.Parse(await http.GetStringAsync("/third_party/search/" + query)).RootElement;
            return json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Where(k => k.StartsWith("search/", StringComparison.Ordinal)).ToArray();
        }

        Assert.Equal(["search/alpha-report.txt", "search/beta-report.txt"], await KeysAsync("report"));
        Assert.Equal(["search/alpha-report.txt"], await KeysAsync("alpha"));
        Assert.Equal(2, (await KeysAsync($"report?eq={D(today)}")).Length);
        // lt and gt take their own day in, as the original's <= and >= did.
        Assert.Empty(await KeysAsync($"report?lt={D(today.AddDays(-1))}"));
        Assert.Equal(2, (await KeysAsync($"report?lt={D(today)}")).Length);
        Assert.Equal(2, (await KeysAsync($"report?gt={D(today)}")).Length);
        Assert.Empty(await KeysAsync($"report?gt={D(today.AddDays(1))}"));
        Assert.Equal(2, (await KeysAsync($"report?gt={D(today)}&lt={D(today)}")).Length);
        Assert.Empty(await KeysAsync($"report?gt={D(today.AddDays(1))}&lt={D(today.AddDays(2))}"));

        var url = JsonDocument.Parse(await http.GetStringAsync("/third_party/search/alpha")).RootElement.GetProperty("results")[0].GetProperty("url").GetString()!;
        Assert.Equal(Bytes(100, 1), await http.GetByteArrayAsync(url));

        var badDate = await http.GetAsync("/third_party/search/report?eq=2026-11-23");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("mm-dd-yyyy", await badDate.Content.ReadAsStringAsync());

        var noArgs = await http.GetAsync("/third_party/search/");
        Assert.Equal(HttpStatusCode.BadRequest, noArgs.StatusCode);
        Assert.Equal("no args detected", JsonDocument.Parse(await noArgs.Content.ReadAsStringAsync()).RootElement.GetProperty("err").GetString());
    }

    [Fact]
    public async Task TheApi_IsAlsoUnderCompatPulzar_OnTheMainListeners()
    {
        using var http = fixture.UnixHttp();
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/compat/pulzar/add_key/main/x.txt", new ByteArrayContent(Bytes(10, 3)))).StatusCode);
        Assert.Equal(Bytes(10, 3), await http.GetByteArrayAsync("/compat/pulzar/get_key/main/x.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.PulzarHttp().GetAsync("/v1/status")).StatusCode);
    }

    [Fact]
    public async Task Admin_StatusAndNetwork_HaveRealFigures()
    {
        using var http = fixture.PulzarHttp();
        await http.PutAsync("/add_key/admin/one.bin", new ByteArrayContent(Bytes(1234, 4)));

        var status = JsonDocument.Parse(await http.GetStringAsync("/admin/status")).RootElement;
        Assert.True(status.GetProperty("entries").GetInt64() >= 1);
        Assert.True(status.GetProperty("bytes").GetInt64() >= 1234);

        var network = JsonDocument.Parse(await http.GetStringAsync("/admin/network")).RootElement;
        var node = Assert.Single(network.EnumerateArray());
        Assert.Equal(fixture.Server.Options.NodeId, node.GetProperty("node").GetString());
        Assert.InRange(node.GetProperty("percent").GetInt32(), 1, 100);
        Assert.True(node.GetProperty("synch").GetBoolean());
        Assert.True(node.TryGetProperty("load", out _));

        var one = JsonDocument.Parse(await http.GetStringAsync("/admin/network/" + fixture.Server.Options.NodeId)).RootElement;
        Assert.Equal(fixture.Server.Options.NodeId, one.GetProperty("node").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/admin/network/no-such-node")).StatusCode);

        using var main = fixture.TcpHttp();
        Assert.Equal(status.GetProperty("entries").GetInt64(), JsonDocument.Parse(await main.GetStringAsync("/v1/admin/status")).RootElement.GetProperty("entries").GetInt64());
        Assert.Single(JsonDocument.Parse(await main.GetStringAsync("/v1/admin/network")).RootElement.EnumerateArray());
    }
}
