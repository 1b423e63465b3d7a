using System.Net;
using System.Net.Http.Headers;

namespace Cairn.Server.Tests;

/// <summary>Two Cairn nodes on one real etcd (the assembly's, emptied first), each with its own volume directory: a
/// blob stored through one is served by the other, which fetches the body from the node that holds it.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class BlobClusterTests(EtcdBackend etcd) : IAsyncLifetime
{
    private readonly List<string> _dirs = [];
    private readonly List<CairnServer> _nodes = [];

    public Task InitializeAsync() => etcd.EmptyAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<CairnServer> StartNodeAsync(string nodeId, string listen)
    {
        var dir = Directory.CreateTempSubdirectory("cairn-blob-node-").FullName;
        _dirs.Add(dir);
        var node = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = listen == "unix" ? "unix:" + Path.Combine(dir, "c.sock") : "http://127.0.0.1:0",
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "10",
            ["NodeId"] = nodeId,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        _nodes.Add(node);
        return node;
    }

    private static HttpClient Http(CairnServer node) => node.Addresses[0].StartsWith("unix:", StringComparison.Ordinal)
        ? ServerFixture.UnixHttpClient(node.Addresses[0]["unix:".Length..])
        : new HttpClient { BaseAddress = new Uri(node.Addresses[0]) };

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task ABlobStoredOnOneNode_IsServedByAnother(string holderTransport)
    {
        var a = await StartNodeAsync("node-a", holderTransport);
        var b = await StartNodeAsync("node-b", "tcp");
        var body = new byte[(3 * 1024 * 1024) + 11];
        new Random(7).NextBytes(body);
        using var httpA = Http(a);
        using var httpB = Http(b);

        Assert.Equal(HttpStatusCode.Created, (await httpA.PutAsync("/v1/blobs/shared/big.bin", new ByteArrayContent(body))).StatusCode);

        Assert.Equal(body, await httpB.GetByteArrayAsync("/v1/blobs/shared/big.bin"));
        var range = new HttpRequestMessage(HttpMethod.Get, "/v1/blobs/shared/big.bin");
        range.Headers.Range = new RangeHeaderValue(2_000_000, 2_000_099);
        using var partial = await httpB.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(body.AsSpan(2_000_000, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(b.Options.DataDir, "volumes", "blobs"), "*.blob", SearchOption.AllDirectories));

        // Deleted through B: the file goes from A's volume.
        Assert.Equal(HttpStatusCode.NoContent, (await httpB.DeleteAsync("/v1/blobs/shared/big.bin")).StatusCode);
        await Eventually.UntilAsync(
            () => !Directory.EnumerateFiles(Path.Combine(a.Options.DataDir, "volumes", "blobs"), "*.blob", SearchOption.AllDirectories).Any(),
            TimeSpan.FromSeconds(20),
            "node A removes the deleted blob's file");

        var network = System.Text.Json.JsonDocument.Parse(await httpB.GetStringAsync("/v1/admin/network")).RootElement;
        Assert.Equal(["node-a", "node-b"], network.EnumerateArray().Select(n => n.GetProperty("node").GetString()!).ToArray());
    }
}
