using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cairn.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>
/// What a cluster of Cairn nodes (in-process servers, each with its own port, socket and data directory) on one shared
/// backend must do for its users, written once and run on each distributed backend (<see cref="EtcdClusterTests"/>,
/// <see cref="ZooKeeperClusterTests"/>): one keyspace seen alike from every node, a dead node leaving within its TTL,
/// and the backend going down under load and coming back.
/// </summary>
public abstract class ClusterBehaviour : IAsyncLifetime
{
    /// <summary>Long enough that the live nodes, all in this test process, keep their registrations through a stall of it.</summary>
    protected const int NodeTtlSeconds = 5;

    // A put while the backend is down fails after its request timeout (5 s, less on ZooKeeper); the margin is for a
    // loaded machine. A put that hung would wait for the HTTP client's 30 s.
    private static readonly TimeSpan Quick503 = TimeSpan.FromSeconds(12);

    private readonly List<string> _dirs = [];
    private readonly List<CairnServer> _nodes = [];
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>The backend's name, for messages.</summary>
    protected abstract string BackendName { get; }

    /// <summary>How many times etcd's waits this backend's nodes are given to register, lead and recover (1 on etcd).</summary>
    protected virtual double Patience => 1;

    /// <summary>The settings that point a node at the shared backend, emptied or under a root of its own.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> SharedBackendAsync();

    /// <summary>A backend of the test's own that it may stop and start (owned through <see cref="Own{T}"/>).</summary>
    protected abstract Task<BackendOutage> OwnBackendAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Disposes <paramref name="disposable"/> after the nodes, when the test ends.</summary>
    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A temporary directory removed when the test ends.</summary>
    protected string NewDir()
    {
        var dir = Directory.CreateTempSubdirectory($"cairn-{BackendName.ToLowerInvariant()}-node-").FullName;
        _dirs.Add(dir);
        return dir;
    }

    /// <summary>A node's settings on <paramref name="backend"/>, with a data directory of its own.</summary>
    protected Dictionary<string, string?> NodeSettings(string nodeId, IReadOnlyDictionary<string, string?> backend)
    {
        var dir = NewDir();
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Listen:1"] = "unix:" + Path.Combine(dir, "c.sock"),
            ["Cluster:NodeTtlSeconds"] = NodeTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NodeId"] = nodeId,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in backend)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts a node on <paramref name="backend"/>; it is disposed when the test ends.</summary>
    protected async Task<CairnServer> StartNodeAsync(string nodeId, IReadOnlyDictionary<string, string?> backend)
    {
        var node = await CairnServer.StartAsync([], NodeSettings(nodeId, backend));
        _nodes.Add(node);
        return node;
    }

    protected static HttpClient Client(CairnServer node) =>
        new() { BaseAddress = new Uri(node.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))), Timeout = TimeSpan.FromSeconds(30) };

    protected static async Task<ClusterNodesDto> NodesAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<ClusterNodesDto>("/v1/cluster/nodes", WireJson.Options))!;

    private TimeSpan Wait(double seconds) => TimeSpan.FromSeconds(seconds * Patience);

    [Fact]
    public async Task ThreeNodes_ShareOneKeyspace_AndADeadNodeLeavesWithinItsTtl()
    {
        var backend = await SharedBackendAsync();
        var a = await StartNodeAsync("A", backend);
        var b = await StartNodeAsync("B", backend);
        var c = await StartNodeAsync("C", backend);
        using var httpA = Client(a);
        using var httpB = Client(b);
        using var httpC = Client(c);
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Nodes.Count == 3, Wait(10), "three nodes are listed");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Leader is not null, Wait(10), "one node leads");
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
        // Within its TTL plus the time the backend and a loaded machine take to notice; a node that never left would stay.
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Nodes.All(n => n.NodeId != "A"), TimeSpan.FromSeconds(NodeTtlSeconds) + Wait(10), "A leaves the node list");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Leader is "B" or "C", Wait(10), "B or C leads");
        Assert.Equal(["B", "C"], (await NodesAsync(httpC)).Nodes.Select(n => n.NodeId).Order());
    }

    [Fact]
    public async Task TheBackendDown_UnderLoad_Answers503Quickly_AndEveryAcknowledgedWriteSurvives()
    {
        var outage = await OwnBackendAsync();
        var a = await StartNodeAsync("A", outage.Settings);
        var b = await StartNodeAsync("B", outage.Settings);
        using var httpA = Client(a);
        using var httpB = Client(b);

        var acknowledged = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<string>();
        var slowest503 = TimeSpan.Zero;
        using var stop = new CancellationTokenSource();
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

        await Eventually.UntilAsync(() => acknowledged.Count > 100, Wait(10), "writes flow");
        await outage.StopAsync();

        // While the backend is down: 503 problems, quickly; healthz unhealthy.
        await Eventually.UntilAsync(async () => (await httpA.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, Wait(10), "A reports unhealthy");
        var health = await httpB.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("application/problem+json", health.Content.Headers.ContentType?.MediaType);
        var put = Stopwatch.StartNew();
        var down = await httpA.PutAsync("/v1/kv/while-down", new StringContent("x"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("\"code\":\"unavailable\"", await down.Content.ReadAsStringAsync());
        Assert.True(put.Elapsed < Quick503, $"a put while {BackendName} is down took {put.Elapsed}");

        // Back up: the same nodes serve again by themselves, and nothing acknowledged is lost.
        await outage.StartAgainAsync();
        await Eventually.UntilAsync(async () => (await httpA.GetAsync("/healthz")).IsSuccessStatusCode && (await httpB.GetAsync("/healthz")).IsSuccessStatusCode, Wait(30), "both nodes are healthy again");
        var countBefore = acknowledged.Count;
        await Eventually.UntilAsync(() => acknowledged.Count > countBefore + 50, Wait(30), "writes flow again without a restart");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        Assert.True(slowest503 < Quick503, $"the slowest 503 took {slowest503}");
        foreach (var key in acknowledged)
        {
            var response = await httpB.GetAsync("/v1/kv/" + key);
            Assert.True(response.IsSuccessStatusCode, $"acknowledged {key} is missing: {(int)response.StatusCode}");
        }

        await Eventually.UntilAsync(async () => (await NodesAsync(httpA)).Nodes.Count == 2, Wait(15), "both nodes are registered again");
    }
}

/// <summary>A backend of a test's own: the settings that point nodes at it, and how to stop and start it.</summary>
public sealed record BackendOutage(IReadOnlyDictionary<string, string?> Settings, Func<Task> StopAsync, Func<Task> StartAgainAsync);
