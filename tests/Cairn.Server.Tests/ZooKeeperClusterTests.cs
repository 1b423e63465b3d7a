using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>
/// <see cref="ClusterBehaviour"/> on ZooKeeper: the shared keyspace on the process's standalone ZooKeeper under a root
/// of its own, the outage on a ZooKeeper of the test's own. And what only ZooKeeper has: a <c>cairn serve</c> child
/// process paused with SIGSTOP past its TTL, and start-up errors for connect strings, chroots and credentials.
/// </summary>
public sealed class ZooKeeperClusterTests : ClusterBehaviour
{
    protected override string BackendName => "ZooKeeper";

    // A node opens a session and catches up from the log before it registers.
    protected override double Patience => 1.5;

    protected override async Task<IReadOnlyDictionary<string, string?>> SharedBackendAsync() =>
        Settings((await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString, ZooKeeperBackend.NewRoot());

    protected override async Task<BackendOutage> OwnBackendAsync()
    {
        var ensemble = Own(await ZooKeeperEnsemble.StartAsync(servers: 1));
        return new BackendOutage(
            Settings(ensemble.ConnectString, ZooKeeperBackend.NewRoot()),
            () => ensemble.Member(0).StopAsync(),
            () => ensemble.Member(0).StartAgainAsync());
    }

    private static Dictionary<string, string?> Settings(string connect, string root, string? digest = null) => new()
    {
        ["Backend"] = "zookeeper",
        ["ZooKeeper:Connect"] = connect,
        ["ZooKeeper:Root"] = root,
        ["ZooKeeper:Digest"] = digest,
        ["ZooKeeper:RequestTimeoutSeconds"] = "5",
        ["Backend:StartTimeout"] = "30",
    };

    [Fact]
    public async Task ANodePausedPastItsTtl_LosesItsLeadership_AndRejoinsWithoutLeadingWhenItResumes()
    {
        var environment = new Dictionary<string, string>
        {
            ["CAIRN_BACKEND"] = "zookeeper",
            ["CAIRN_ZOOKEEPER__CONNECT"] = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString,
            ["CAIRN_ZOOKEEPER__ROOT"] = ZooKeeperBackend.NewRoot(),
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
        TestProcesses.Pause(first.Pid);
        try
        {
            await Eventually.UntilAsync(async () => (await NodesAsync(httpQ)) is { Leader: "Q" } n && n.Nodes.All(x => x.NodeId != "P"),
                TimeSpan.FromSeconds(NodeTtlSeconds + 30), "Q leads and P is gone from the list while P is paused");
        }
        finally
        {
            TestProcesses.Resume(first.Pid);
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
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], NodeSettings("X", Settings(connect, "/cairn"))));
        Assert.Contains(named, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"refusing took {started.Elapsed}");
    }

    [Fact]
    public async Task AChrootThatDoesNotExist_IsAOneLineStartupError()
    {
        var connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString + "/no-such-chroot-" + Guid.NewGuid().ToString("N")[..8];
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], NodeSettings("X", Settings(connect, "/cairn"))));
        Assert.Contains("no-such-chroot", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task WrongDigestCredentials_AreAOneLineStartupError()
    {
        var connect = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString;
        var root = ZooKeeperBackend.NewRoot();
        await StartNodeAsync("O", Settings(connect, root, digest: "cairn:right-password"));

        var intruder = NodeSettings("I", Settings(connect, root, digest: "cairn:wrong-password"));
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], intruder));
        Assert.Contains("NoAuth", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        var anonymous = NodeSettings("N", Settings(connect, root));
        error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], anonymous));
        Assert.Contains("NoAuth", error.Message);
    }

    [Fact]
    public async Task UnreachableZooKeeper_IsAClearStartupErrorAfterTheStartTimeout()
    {
        var settings = NodeSettings("X", Settings("127.0.0.1:1", "/cairn"));
        settings["Backend:StartTimeout"] = "2";
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], settings));
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
    }

}
