using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cairn.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>
/// Several Cairn nodes (in-process servers, each with its own port, socket and data directory) on one real etcd:
/// what a cluster of <c>cairn serve</c> processes must do for its users. On the assembly's etcd, emptied first; the
/// test that takes etcd down has one of its own.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdClusterTests(EtcdBackend sharedEtcd) : IAsyncLifetime
{
    // Long enough that the live nodes, all in this test process, keep their registrations through a stall of it.
    private const int NodeTtlSeconds = 5;

    // A put while etcd is down fails after the etcd request timeout (5 s); the margin is for a loaded machine. A put
    // that hung would wait for the HTTP client's 30 s.
    private static readonly TimeSpan Quick503 = TimeSpan.FromSeconds(12);

    private readonly List<string> _dirs = [];
    private readonly List<CairnServer> _nodes = [];
    private EtcdServer? _etcd;
    private string? _endpoint;

    private EtcdServer Etcd => _etcd!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<CairnServer> StartNodeAsync(string nodeId)
    {
        var dir = Directory.CreateTempSubdirectory("cairn-etcd-node-").FullName;
        _dirs.Add(dir);
        var node = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Listen:1"] = "unix:" + Path.Combine(dir, "c.sock"),
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = _endpoint,
            ["Backend:StartTimeout"] = "10",
            ["Cluster:NodeTtlSeconds"] = NodeTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NodeId"] = nodeId,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        _nodes.Add(node);
        return node;
    }

    private static HttpClient Client(CairnServer node) =>
        new() { BaseAddress = new Uri(node.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<ClusterNodesDto> NodesAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<ClusterNodesDto>("/v1/cluster/nodes", WireJson.Options))!;

    [Fact]
    public async Task ThreeNodes_ShareOneKeyspace_AndADeadNodeLeavesWithinItsTtl()
    {
        await sharedEtcd.EmptyAsync();
        _endpoint = sharedEtcd.Endpoint;
        var a = await StartNodeAsync("A");
        var b = await StartNodeAsync("B");
        var c = await StartNodeAsync("C");
        using var httpA = Client(a);
        using var httpB = Client(b);
        using var httpC = Client(c);
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Nodes.Count == 3, TimeSpan.FromSeconds(10), "three nodes are listed");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Leader is not null, TimeSpan.FromSeconds(10), "one node leads");
        Assert.Single(new[] { a, b, c }, n => n.Services.GetRequiredService<Cairn.Coordination.ILeaderElection>().IsLeader);

        // A put on A is read at once on B, and a watch on C sees it.
        var before = await Http.RevisionAsync(httpC);
        using var watch = await SseStream.OpenAsync(httpC, $"/v1/watch?key=shared/&prefix=true&fromRevision={before + 1}");
        var revision = await Http.PutAsync(httpA, "shared/x", "from A");
        Assert.Equal("from A", await httpB.GetStringAsync("/v1/kv/shared/x"));
        var seen = await watch.UntilRevisionAsync(revision);
        Assert.Contains(seen, e => Http.Keys(e.Data).Contains("shared/x"));

        // A dies without leaving: B and C go on serving, and A drops out of the list within its TTL.
        await a.AbandonAsync();
        _nodes.Remove(a);
        await Http.PutAsync(httpB, "shared/y", "from B");
        Assert.Equal("from B", await httpC.GetStringAsync("/v1/kv/shared/y"));
        // Within its TTL plus the time etcd and a loaded machine take to notice; a node that never left would stay.
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Nodes.All(n => n.NodeId != "A"), TimeSpan.FromSeconds(NodeTtlSeconds + 10), "A leaves the node list");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Leader is "B" or "C", TimeSpan.FromSeconds(10), "B or C leads");
        Assert.Equal(["B", "C"], (await NodesAsync(httpC)).Nodes.Select(n => n.NodeId).Order());
    }

    [Fact]
    public async Task EtcdDown_UnderLoad_Answers503Quickly_AndEveryAcknowledgedWriteSurvives()
    {
        _etcd = await EtcdBackend.StartDedicatedAsync();
        _endpoint = _etcd.Endpoint;
        var a = await StartNodeAsync("A");
        var b = await StartNodeAsync("B");
        using var httpA = Client(a);
        using var httpB = Client(b);

        var acknowledged = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<string>();
        var slowest503 = TimeSpan.Zero;
        var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            using var http = Client(w % 2 == 0 ? a : b);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"load/{w}/{i}";
                var timer = Stopwatch.StartNew();
                var response = await http.PutAsync("/v1/kv/" + key, new StringContent("v"));
                if (response.IsSuccessStatusCode)
                {
                    acknowledged.Add(key);
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    lock (unexpected)
                    {
                        slowest503 = timer.Elapsed > slowest503 ? timer.Elapsed : slowest503;
                    }

                    await Task.Delay(20);
                }
                else
                {
                    unexpected.Add($"{key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToList();

        await Eventually.UntilAsync(() => acknowledged.Count > 100, TimeSpan.FromSeconds(10), "writes flow");
        await Etcd.StopAsync();

        // While etcd is down: 503 problems, quickly; healthz unhealthy.
        await Eventually.UntilAsync(async () => (await httpA.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), "A reports unhealthy");
        var health = await httpB.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("application/problem+json", health.Content.Headers.ContentType?.MediaType);
        var put = Stopwatch.StartNew();
        var down = await httpA.PutAsync("/v1/kv/while-down", new StringContent("x"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("\"code\":\"unavailable\"", await down.Content.ReadAsStringAsync());
        Assert.True(put.Elapsed < Quick503, $"a put while etcd is down took {put.Elapsed}");

        // Back up: the same nodes serve again by themselves, and nothing acknowledged is lost.
        await Etcd.StartAgainAsync();
        await Eventually.UntilAsync(async () => (await httpA.GetAsync("/healthz")).IsSuccessStatusCode && (await httpB.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "both nodes are healthy again");
        var countBefore = acknowledged.Count;
        await Eventually.UntilAsync(() => acknowledged.Count > countBefore + 50, TimeSpan.FromSeconds(30), "writes flow again");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        Assert.True(slowest503 < Quick503, $"the slowest 503 took {slowest503}");
        foreach (var key in acknowledged)
        {
            var response = await httpB.GetAsync("/v1/kv/" + key);
            Assert.True(response.IsSuccessStatusCode, $"acknowledged {key} is missing: {(int)response.StatusCode}");
        }

        await Eventually.UntilAsync(async () => (await NodesAsync(httpA)).Nodes.Count == 2, TimeSpan.FromSeconds(15), "both nodes are registered again");
    }

    [Fact]
    public async Task UnreachableEtcd_IsAClearStartupErrorAfterTheStartTimeout()
    {
        var dir = Directory.CreateTempSubdirectory("cairn-etcd-down-").FullName;
        _dirs.Add(dir);
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = "http://127.0.0.1:1",
            ["Backend:StartTimeout"] = "2",
        }));

        Assert.Contains("http://127.0.0.1:1", error.Message);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
    }
}
