using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cairn.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>
/// Several Cairn nodes on one real ZooKeeper: in-process servers for the shared keyspace, the outage and the start-up
/// errors; <c>cairn serve</c> child processes for a node paused with SIGSTOP past its TTL.
/// </summary>
public sealed class ZooKeeperClusterTests : IAsyncLifetime
{
    private const int NodeTtlSeconds = 5;
    private static readonly TimeSpan Quick503 = TimeSpan.FromSeconds(12);

    private readonly List<string> _dirs = [];
    private readonly List<CairnServer> _nodes = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private string _connect = "";
    private string _root = "";

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

    private string NewDir()
    {
        var dir = Directory.CreateTempSubdirectory("cairn-zk-node-").FullName;
        _dirs.Add(dir);
        return dir;
    }

    private Dictionary<string, string?> Settings(string dir, string nodeId) => new()
    {
        ["DataDir"] = dir,
        ["Listen:0"] = "http://127.0.0.1:0",
        ["Backend"] = "zookeeper",
        ["ZooKeeper:Connect"] = _connect,
        ["ZooKeeper:Root"] = _root,
        ["ZooKeeper:RequestTimeoutSeconds"] = "5",
        ["Backend:StartTimeout"] = "30",
        ["Cluster:NodeTtlSeconds"] = NodeTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NodeId"] = nodeId,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private async Task<CairnServer> StartNodeAsync(string nodeId)
    {
        var node = await CairnServer.StartAsync([], Settings(NewDir(), nodeId));
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
        _connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString;
        _root = ZooKeeperBackend.NewRoot();
        var a = await StartNodeAsync("A");
        var b = await StartNodeAsync("B");
        var c = await StartNodeAsync("C");
        using var httpA = Client(a);
        using var httpB = Client(b);
        using var httpC = Client(c);
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Nodes.Count == 3, TimeSpan.FromSeconds(20), "three nodes are listed");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Leader is not null, TimeSpan.FromSeconds(20), "one node leads");
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
        await Eventually.UntilAsync(async () => (await NodesAsync(httpB)).Nodes.All(n => n.NodeId != "A"), TimeSpan.FromSeconds(NodeTtlSeconds + 15), "A leaves the node list");
        await Eventually.UntilAsync(async () => (await NodesAsync(httpC)).Leader is "B" or "C", TimeSpan.FromSeconds(20), "B or C leads");
        Assert.Equal(["B", "C"], (await NodesAsync(httpC)).Nodes.Select(n => n.NodeId).Order());
    }

    [Fact]
    public async Task ZooKeeperDown_UnderLoad_Answers503Quickly_AndEveryAcknowledgedWriteSurvives()
    {
        var ensemble = await ZooKeeperEnsemble.StartAsync(servers: 1);
        _owned.Add(ensemble);
        _connect = ensemble.ConnectString;
        _root = ZooKeeperBackend.NewRoot();
        var a = await StartNodeAsync("A");
        var b = await StartNodeAsync("B");
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

        await Eventually.UntilAsync(() => acknowledged.Count > 100, TimeSpan.FromSeconds(30), "writes flow");
        await ensemble.Member(0).StopAsync();

        var put = Stopwatch.StartNew();
        var down = await httpA.PutAsync("/v1/kv/while-down", new StringContent("x"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("\"code\":\"unavailable\"", await down.Content.ReadAsStringAsync());
        Assert.True(put.Elapsed < Quick503, $"a put while ZooKeeper is down took {put.Elapsed}");

        await ensemble.Member(0).StartAgainAsync();
        var countBefore = acknowledged.Count;
        await Eventually.UntilAsync(() => acknowledged.Count > countBefore + 50, TimeSpan.FromSeconds(60), "writes flow again without a restart");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        Assert.True(slowest503 < Quick503, $"the slowest 503 took {slowest503}");
        foreach (var key in acknowledged)
        {
            var response = await httpB.GetAsync("/v1/kv/" + key);
            Assert.True(response.IsSuccessStatusCode, $"acknowledged {key} is missing: {(int)response.StatusCode}");
        }

        await Eventually.UntilAsync(async () => (await NodesAsync(httpA)).Nodes.Count == 2, TimeSpan.FromSeconds(30), "both nodes are registered again");
    }

    [Fact]
    public async Task ANodePausedPastItsTtl_LosesItsLeadership_AndRejoinsWithoutLeadingWhenItResumes()
    {
        _connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString;
        _root = ZooKeeperBackend.NewRoot();
        var environment = new Dictionary<string, string>
        {
            ["CAIRN_BACKEND"] = "zookeeper",
            ["CAIRN_ZOOKEEPER__CONNECT"] = _connect,
            ["CAIRN_ZOOKEEPER__ROOT"] = _root,
            ["CAIRN_CLUSTER__NODETTLSECONDS"] = NodeTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var first = await ServerProcess.StartAsync(NewDir(), TimeSpan.FromSeconds(60), new Dictionary<string, string>(environment) { ["CAIRN_NODEID"] = "P" });
        using var httpP = ServerFixture.UnixHttpClient(first.SocketPath);
        await Eventually.UntilAsync(async () => (await NodesAsync(httpP)).Leader == "P", TimeSpan.FromSeconds(30), "P, the only node, leads");
        using var second = await ServerProcess.StartAsync(NewDir(), TimeSpan.FromSeconds(60), new Dictionary<string, string>(environment) { ["CAIRN_NODEID"] = "Q" });
        using var httpQ = ServerFixture.UnixHttpClient(second.SocketPath);
        await Eventually.UntilAsync(async () => (await NodesAsync(httpQ)).Nodes.Count == 2, TimeSpan.FromSeconds(30), "both nodes are listed");

        // P stops in its tracks (a long GC pause, a frozen VM) for well past its TTL: its lease expires by Q's hand,
        // with it P's registration and leader key, and Q takes over.
        Signal(first.Pid, SIGSTOP);
        try
        {
            await Eventually.UntilAsync(async () => (await NodesAsync(httpQ)) is { Leader: "Q" } n && n.Nodes.All(x => x.NodeId != "P"),
                TimeSpan.FromSeconds(NodeTtlSeconds + 30), "Q leads and P is gone from the list while P is paused");
        }
        finally
        {
            Signal(first.Pid, SIGCONT);
        }

        // P resumes: it reads the state as it is now (Q leads), registers again, and never claims to lead.
        await Eventually.UntilAsync(async () => (await NodesAsync(httpP)).Nodes.Any(n => n.NodeId == "P"), TimeSpan.FromSeconds(30),
            $"P rejoins the node list; its output:{Environment.NewLine}{first.Output}");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("Q", (await NodesAsync(httpP)).Leader);
            Assert.Equal("Q", (await NodesAsync(httpQ)).Leader);
        }

        var revision = await Http.PutAsync(httpP, "after/resume", "from P");
        Assert.Equal("from P", await httpQ.GetStringAsync("/v1/kv/after/resume"));
        Assert.True(revision > 0);
    }

    [Theory]
    [InlineData("", "needs ZooKeeper:Connect")]
    [InlineData("localhost", "localhost")]
    [InlineData("127.0.0.1:notaport", "notaport")]
    [InlineData("127.0.0.1:99999", "99999")]
    public async Task AMalformedConnectString_IsAOneLineStartupError(string connect, string named)
    {
        _connect = connect;
        _root = "/cairn";
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], Settings(NewDir(), "X")));
        Assert.Contains(named, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"refusing took {started.Elapsed}");
    }

    [Fact]
    public async Task AChrootThatDoesNotExist_IsAOneLineStartupError()
    {
        _connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString + "/no-such-chroot-" + Guid.NewGuid().ToString("N")[..8];
        _root = "/cairn";
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], Settings(NewDir(), "X")));
        Assert.Contains("no-such-chroot", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task WrongDigestCredentials_AreAOneLineStartupError()
    {
        _connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString;
        _root = ZooKeeperBackend.NewRoot();
        var owner = Settings(NewDir(), "O");
        owner["ZooKeeper:Digest"] = "cairn:right-password";
        var node = await CairnServer.StartAsync([], owner);
        _nodes.Add(node);

        var intruder = Settings(NewDir(), "I");
        intruder["ZooKeeper:Digest"] = "cairn:wrong-password";
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], intruder));
        Assert.Contains("NoAuth", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        var anonymous = Settings(NewDir(), "N");
        error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], anonymous));
        Assert.Contains("NoAuth", error.Message);
    }

    [Fact]
    public async Task UnreachableZooKeeper_IsAClearStartupErrorAfterTheStartTimeout()
    {
        _connect = "127.0.0.1:1";
        _root = "/cairn";
        var settings = Settings(NewDir(), "X");
        settings["Backend:StartTimeout"] = "2";
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], settings));
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
    }

    private const string SIGSTOP = "STOP";
    private const string SIGCONT = "CONT";

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with exit code {kill.ExitCode}");
        }
    }
}
