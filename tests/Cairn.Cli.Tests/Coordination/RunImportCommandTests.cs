using System.Text;
using Cairn.Client;
using Cairn.ZooKeeper;

namespace Cairn.Cli.Tests.Coordination;

/// <summary>A server, and the shared ZooKeeper that the original's runs are written into.</summary>
public sealed class RunImportFixture : IAsyncLifetime
{
    public ServerFixture Server { get; } = new();

    public ZooKeeperEnsemble ZooKeeper { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        ZooKeeper = await ZooKeeperEnsemble.SharedStandaloneAsync();
    }

    // The shared ZooKeeper is not this fixture's to stop.
    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary><c>cairn run import</c>: runs the original wrote into ZooKeeper (as its create-run and completions left them),
/// each under a chroot of its own, moved into Cairn.</summary>
public sealed class RunImportCommandTests(RunImportFixture fixture) : IClassFixture<RunImportFixture>
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private async Task<ZooKeeperClient> ConnectAsync(string chroot = "") =>
        await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = fixture.ZooKeeper.ConnectString + chroot, ConnectTimeout = TimeSpan.FromSeconds(60) });

    private async Task<string> NewChrootAsync()
    {
        var chroot = "/exp1-" + Guid.NewGuid().ToString("N")[..12];
        await using var root = await ConnectAsync();
        await root.CreateAsync(chroot, ReadOnlyMemory<byte>.Empty);
        return chroot;
    }

    private static async Task CreateAsync(ZooKeeperClient zk, string path, string? text = null)
    {
        var at = "";
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            at += "/" + parts[i];
            if (await zk.ExistsAsync(at) is null)
            {
                await zk.CreateAsync(at, i == parts.Length - 1 && text is not null ? Utf8(text) : ReadOnlyMemory<byte>.Empty);
            }
        }
    }

    // The original's create-run: topology (EDN), an index znode per instance under nodes/, then the state.
    private static async Task OriginalRunAsync(ZooKeeperClient zk, string id, string state, string topology, params string[] pending)
    {
        await CreateAsync(zk, $"/runs/{id}/topology", topology + "\n");
        foreach (var index in pending)
        {
            await CreateAsync(zk, $"/runs/{id}/nodes/{index}");
        }

        await CreateAsync(zk, $"/runs/{id}/state", state);
    }

    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.Server.TcpEndpoint, .. args]);

    [Fact]
    public async Task Import_BringsEachRunInItsStateAndBarrier_ARunInTransitionInItsNextState_AndAgainChangesNothing()
    {
        var chroot = await NewChrootAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (partway, moving, odd) = ($"run-a-{suffix}", $"run-b-{suffix}", $"run-c-{suffix}");
        await using (var zk = await ConnectAsync(chroot))
        {
            // Two of four instances have completed init; a parameter was set.
            await OriginalRunAsync(zk, partway, "init", """{"node1" [1 2 4], "node2" [2]}""", "node1/2", "node2/2");
            await CreateAsync(zk, $"/runs/{partway}/ss:url", "http://x");

            // Every instance completed provisioning and the mover wrote the next state into transition.
            await OriginalRunAsync(zk, moving, "provisioning", """{"web" [1]}""");
            await CreateAsync(zk, $"/runs/{moving}/transition", "executing");

            // A state the seed's graph does not know.
            await OriginalRunAsync(zk, odd, "running", """{"web" [1]}""", "web/1");
        }

        var first = await Cairn("run", "import", "--zookeeper", fixture.ZooKeeper.ConnectString, "--chroot", chroot);
        var second = await Cairn("run", "import", "--zookeeper", fixture.ZooKeeper.ConnectString + chroot, partway);
        using var client = new CairnClient(fixture.Server.TcpEndpoint);
        var a = (await client.GetRunAsync(partway))!;
        var b = (await client.GetRunAsync(moving))!;

        Assert.Equal(RunCommands.SomeNotImported, first.ExitCode);
        Assert.Contains($"imported {partway}: state init, 2 of 4 pending, 1 parameter(s)\n", first.Out, StringComparison.Ordinal);
        Assert.Contains($"imported {moving}: state executing, finishing its move from provisioning, 1 of 1 pending", first.Out, StringComparison.Ordinal);
        Assert.Contains($"cairn: skipped {odd}: ", first.Error, StringComparison.Ordinal);
        Assert.EndsWith("2 run(s) imported, 0 already in Cairn, 1 skipped\n", first.Out, StringComparison.Ordinal);
        Assert.Equal("init", a.State);
        Assert.Equal([2], a.Pending["node1"]);
        Assert.Equal([2], a.Pending["node2"]);
        Assert.Equal("http://x", (await client.GetRunParameterAsync(partway, "ss:url")).Value);
        Assert.Equal("executing", b.State);
        Assert.Equal([1], b.Pending["web"]);
        Assert.Null(await client.GetRunAsync(odd));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"present {partway}: ", second.Out, StringComparison.Ordinal);

        // The imported run goes on from where the original left it.
        var moved = await client.CompleteRunAsync(partway, "node1", 2, "init", "provisioning");
        Assert.False(moved.Moved);
        Assert.True((await client.CompleteRunAsync(partway, "node2", 2, "init", "provisioning")).Moved);

        // With the graph the original's runs followed, the odd one comes in too.
        var withGraph = await Cairn("run", "import", "--zookeeper", fixture.ZooKeeper.ConnectString + chroot, "--graph", """{"init":["running"],"running":["done"],"done":[]}""", odd);
        Assert.True(withGraph.ExitCode == 0, withGraph.Error);
        Assert.Equal("running", (await client.GetRunAsync(odd))!.State);
    }

    [Fact]
    public async Task Import_FromAZooKeeperThatIsNotThere_FailsWithOneLine()
    {
        var run = await Cairn("run", "import", "--zookeeper", "127.0.0.1:1", "--connect-timeout", "1s");

        Assert.Contains("ZooKeeper", run.AssertOneLineError(), StringComparison.Ordinal);
    }
}
