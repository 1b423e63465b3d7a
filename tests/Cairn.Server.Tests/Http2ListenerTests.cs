using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// One cleartext listener (TCP or Unix socket) speaks both HTTP/1.1, as curl and browsers send it, and HTTP/2 with prior
/// knowledge (h2c), as Cairn's client sends it: the same requests get the same answers either way. Runs the real curl.
/// </summary>
public sealed class Http2ListenerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Curl_GetsTheSameAnswers_OverHttp11AndOverHttp2PriorKnowledge(string transport)
    {
        var key = $"h2/{transport}/k";

        var put1 = await CurlAsync(transport, "--http1.1", "-X", "PUT", "--data-binary", "one", "/v1/kv/" + key);
        var put2 = await CurlAsync(transport, "--http2-prior-knowledge", "-X", "PUT", "--data-binary", "two", "/v1/kv/" + key);
        var get1 = await CurlAsync(transport, "--http1.1", "/v1/kv/" + key);
        var get2 = await CurlAsync(transport, "--http2-prior-knowledge", "/v1/kv/" + key);

        Assert.Equal(("201", "1.1"), (put1.Status, put1.Version));
        Assert.Equal(("200", "2"), (put2.Status, put2.Version));
        using (var first = JsonDocument.Parse(put1.Body))
        using (var second = JsonDocument.Parse(put2.Body))
        {
            Assert.True(second.RootElement.GetProperty("revision").GetInt64() > first.RootElement.GetProperty("revision").GetInt64(), put2.Body);
        }

        Assert.Equal(("200", "1.1", "two"), (get1.Status, get1.Version, get1.Body));
        Assert.Equal(("200", "2", "two"), (get2.Status, get2.Version, get2.Body));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Curl_GetsTheSameProblem_OverHttp11AndOverHttp2PriorKnowledge(string transport)
    {
        var missing = $"/v1/kv/h2/{transport}/missing";

        var over1 = await CurlAsync(transport, "--http1.1", missing);
        var over2 = await CurlAsync(transport, "--http2-prior-knowledge", missing);

        Assert.Equal(("404", "1.1"), (over1.Status, over1.Version));
        Assert.Equal(("404", "2"), (over2.Status, over2.Version));
        Assert.Equal(over1.Body, over2.Body);
    }

    [Fact]
    public async Task TheApiAddresses_AreTheListenersOnly()
    {
        // The HTTP/2 side of a cleartext listener is no address of its own (it shares the listener's).
        Assert.Equal(2, fixture.Server.Addresses.Count);
        using var http = fixture.TcpHttp();
        var status = await http.GetFromJsonAsync<JsonElement>("/v1/status");
        Assert.Equal(JsonValueKind.Object, status.ValueKind);
    }

    [Fact]
    public async Task AnHttp11Request_ThatStartsLikeThePreface_IsStillHttp11()
    {
        // "PR…" is a prefix of the preface ("PRI * HTTP/2.0…"): the connection must be given to HTTP/1.1 once the bytes
        // differ, with nothing of them lost.
        var answer = await CurlAsync("tcp", "--http1.1", "-X", "PROPFIND", "/v1/kv/h2/propfind");

        Assert.Equal("1.1", answer.Version);
        Assert.True(answer.Status is "404" or "405", answer.ToString());
    }

    public static TheoryData<string> Transports => new() { "tcp", "unix" };

    private async Task<CurlAnswer> CurlAsync(string transport, params string[] args)
    {
        var path = args[^1];
        string[] target = transport == "unix"
            ? ["--unix-socket", fixture.UnixPath, "http://localhost" + path]
            : [fixture.TcpEndpoint + path];
        var (exit, stdout, stderr) = await Curl.RunAsync(["-sS", "-w", "\n%{http_code} %{http_version}", .. args[..^1], .. target]);
        Assert.True(exit == 0, $"curl {string.Join(' ', args)} exited {exit}: {stderr}");
        var split = stdout.LastIndexOf('\n');
        var trailer = stdout[(split + 1)..].Split(' ');
        return new CurlAnswer(trailer[0], trailer[1], stdout[..split]);
    }

    private sealed record CurlAnswer(string Status, string Version, string Body);
}
