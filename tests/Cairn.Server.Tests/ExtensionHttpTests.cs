using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>Extensions through <c>/third_party/…</c> (the Pulzar listener) and <c>/v1/extensions/…</c>: executables and a
/// .NET assembly, and every way one can go wrong.</summary>
public sealed class ExtensionHttpTests(VolumeServerFixture fixture) : IClassFixture<VolumeServerFixture>
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task TheShippedExample_AnswersTheSeedsShape_OnBothRoutes()
    {
        var (status, body) = await GetAsync(fixture.PulzarHttp(), "/third_party/example/hello/world");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hello", body.GetProperty("my_arg").GetString());

        (status, body) = await GetAsync(fixture.TcpHttp(), "/v1/extensions/example/quote%22and%5Cback%20slash");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("quote\"and\\back slash", body.GetProperty("my_arg").GetString());
    }

    [Fact]
    public async Task ArgumentsReachAnExecutableAsArgv_WithoutAShell()
    {
        var (status, body) = await GetAsync(fixture.TcpHttp(), "/v1/extensions/argv/a%20b/%24%28reboot%29/c%3Bd");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task TheDotNetExample_RunsInProcess()
    {
        var (status, body) = await GetAsync(fixture.TcpHttp(), "/v1/extensions/wordcount/one%20two/three");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("arguments").GetInt32());
        Assert.Equal(3, body.GetProperty("words").GetInt32());
    }

    [Fact]
    public async Task AHangingExtension_Is504_AndItsProcessIsGone()
    {
        var (status, body) = await GetAsync(fixture.TcpHttp(), "/v1/extensions/hang");

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Equal("extension_timeout", body.GetProperty("code").GetString());
        // The processes are found by what they inherited (CAIRN_PIDFILE_DIR, which the fixture passes to extensions,
        // names this fixture's directory): the shell and its sleep.
        await Eventually.UntilAsync(() => ExtensionProcesses().Count == 0, TimeSpan.FromSeconds(10),
            "the timed-out extension's processes are gone");
    }

    /// <summary>Processes of this user whose environment carries this fixture's <c>CAIRN_PIDFILE_DIR</c>, other than
    /// the test process itself (which set it).</summary>
    private List<int> ExtensionProcesses()
    {
        var marker = System.Text.Encoding.UTF8.GetBytes("CAIRN_PIDFILE_DIR=" + fixture.ExtensionsDir + "\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environment = File.ReadAllBytes(Path.Combine(dir, "environ"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var zombie = stat.Length > stat.LastIndexOf(')') + 2 && stat[stat.LastIndexOf(')') + 2] == 'Z';
                if (!zombie && environment.AsSpan().IndexOf(marker) >= 0)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile, or another user's process
            }
        }

        return found;
    }

    [Theory]
    [InlineData("notjson", "did not print JSON")]
    [InlineData("fails", "disk on fire")]
    public async Task AFailingExtension_Is502WithTheReason(string name, string reason)
    {
        var (status, body) = await GetAsync(fixture.TcpHttp(), "/v1/extensions/" + name);
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("extension_failed", body.GetProperty("code").GetString());
        Assert.Contains(reason, body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/v1/extensions/..%2F..%2Fbin%2Fsh", 400)]
    [InlineData("/v1/extensions/%2E%2E/x", 400)]
    [InlineData("/v1/extensions/a.b", 400)]
    [InlineData("/v1/extensions/nope", 404)]
    [InlineData("/third_party/..%2Fhang", 400)]
    public async Task BadOrUnknownNames_AreClearErrors(string path, int expected)
    {
        var address = path.StartsWith("/third_party", StringComparison.Ordinal) ? fixture.PulzarEndpoint : fixture.TcpEndpoint;
        var (status, _, body) = await RawHttp.SendAsync(address, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(expected, status);
        Assert.Contains(expected == 404 ? "not_found" : "invalid_argument", body);
    }

    [Fact]
    public async Task TheBuiltInSearch_IsAnExtensionToo()
    {
        using var http = fixture.TcpHttp();
        await http.PutAsync("/v1/blobs/ext-search/needle.txt", new ByteArrayContent([1, 2, 3]));
        var (status, body) = await GetAsync(http, "/v1/extensions/search/needle");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ext-search/needle.txt", body.GetProperty("results")[0].GetProperty("key").GetString());
    }
}
