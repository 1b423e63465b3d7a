using System.Text;
using Cairn.Testing;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>
/// zookeeper-exp1's runs and buddy circle written into a real ZooKeeper as the original wrote them (its create, set-data
/// and delete calls, in its order), each test under a chroot of its own, and read back through a
/// <see cref="ZooKeeperClient"/>.
/// </summary>
public sealed class RealZooKeeperLayoutTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task<ZooKeeperClient> ConnectAsync(string chroot = "")
    {
        var ensemble = await ZooKeeperEnsemble.SharedStandaloneAsync();
        return await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectString = ensemble.ConnectString + chroot, ConnectTimeout = TimeSpan.FromSeconds(60) });
    }

    private static async Task<string> NewChrootAsync()
    {
        var chroot = "/exp1-" + Guid.NewGuid().ToString("N")[..12];
        await using var root = await ConnectAsync();
        await root.CreateAsync(chroot, ReadOnlyMemory<byte>.Empty);
        return chroot;
    }

    // zk/create-all: every missing parent, persistent.
    private static async Task CreateAllAsync(ZooKeeperClient zk, string path)
    {
        var at = "";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            at += "/" + part;
            if (await zk.ExistsAsync(at) is null)
            {
                await zk.CreateAsync(at, ReadOnlyMemory<byte>.Empty);
            }
        }
    }

    // (create-run client run-id nodes): the run znode, the topology (created empty, then its prn-str set), a znode per
    // node and per instance index, then the state.
    private static async Task CreateRunAsync(ZooKeeperClient zk, string runId, string topologyEdn, IReadOnlyDictionary<string, int[]> nodes)
    {
        await CreateAllAsync(zk, $"/runs/{runId}");
        await zk.CreateAsync($"/runs/{runId}/topology", ReadOnlyMemory<byte>.Empty);
        await zk.SetDataAsync($"/runs/{runId}/topology", Utf8(topologyEdn + "\n"));
        foreach (var (node, indexes) in nodes)
        {
            await CreateAllAsync(zk, $"/runs/{runId}/nodes/{node}");
            foreach (var index in indexes)
            {
                await zk.CreateAsync($"/runs/{runId}/nodes/{node}/{index}", ReadOnlyMemory<byte>.Empty);
            }
        }

        await zk.CreateAsync($"/runs/{runId}/state", ReadOnlyMemory<byte>.Empty);
        await zk.SetDataAsync($"/runs/{runId}/state", Utf8("init"));
    }

    // (complete-single-state! …): delete the instance's index znode, and the node's znode when it was the last.
    private static async Task CompleteAsync(ZooKeeperClient zk, string runId, string node, int index)
    {
        await zk.DeleteAsync($"/runs/{runId}/nodes/{node}/{index}");
        if ((await zk.GetChildrenAsync($"/runs/{runId}/nodes/{node}")).Children.Count == 0)
        {
            await zk.DeleteAsync($"/runs/{runId}/nodes/{node}");
        }
    }

    [Fact]
    public async Task ReadRun_AfterSomeInstancesCompleted_GivesTheStateTheTopologyThePendingInstancesAndTheParameters()
    {
        var chroot = await NewChrootAsync();
        await using var zk = await ConnectAsync(chroot);
        await CreateRunAsync(zk, "run-1235", "{\"node1\" [1 2 4], \"node2\" [2]}", new Dictionary<string, int[]> { ["node1"] = [1, 2, 4], ["node2"] = [2] });
        await CompleteAsync(zk, "run-1235", "node1", 1);
        await CompleteAsync(zk, "run-1235", "node2", 2);
        await zk.CreateAsync("/runs/run-1235/node1.1:hostname", Utf8("vm-1.example"));
        await CreateRunAsync(zk, "run-7", "{\"web\" [1]}", new Dictionary<string, int[]> { ["web"] = [1] });

        var run = await new RunLayoutReader(zk).ReadAsync("run-1235");
        var all = await new RunLayoutReader(zk).ReadAllAsync();

        Assert.NotNull(run);
        Assert.Equal("init", run.State);
        Assert.Null(run.TransitionTo);
        Assert.Equal([1, 2, 4], run.Topology["node1"]);
        Assert.Equal([2], run.Topology["node2"]);
        Assert.Equal(["node1"], run.Pending.Keys);
        Assert.Equal([2, 4], run.Pending["node1"]);
        Assert.Equal("vm-1.example", Assert.Single(run.Parameters, p => p.Key == "node1.1:hostname").Value);
        Assert.Equal(["run-1235", "run-7"], all.Runs.Select(r => r.RunId));
        Assert.Empty(all.Unreadable);
    }

    [Fact]
    public async Task ReadRun_WhenTheLastInstanceCompleted_AndTheMoveIsUnderWay_GivesTheNextState()
    {
        var chroot = await NewChrootAsync();
        await using var zk = await ConnectAsync(chroot);
        await CreateRunAsync(zk, "run-1", "{\"n\" [1]}", new Dictionary<string, int[]> { ["n"] = [1] });
        await CompleteAsync(zk, "run-1", "n", 1);

        // (check-and-update-machine! …): no node left, so the completing member registers its transaction with the
        // circle and writes the next state into transition, before the index znodes are made again.
        await CreateAllAsync(zk, "/buddy-circle/transactions/n-0000000003/run-1");
        await zk.CreateAsync("/runs/run-1/transition", Utf8("running"));
        var moving = await new RunLayoutReader(zk).ReadAsync("run-1");

        Assert.NotNull(moving);
        Assert.Equal("init", moving.State);
        Assert.Equal("running", moving.TransitionTo);
        Assert.Empty(moving.Pending); // the barrier is passed
        Assert.Equal(["run-1"], (await new PoolLayoutReader(zk).ReadAsync()).OrphanedTransactions["n-0000000003"]);
    }

    [Fact]
    public async Task ReadPool_GivesTheMembersAndTheirBuddies_AndAMemberWhoseSessionEndsLeaves_ItsOpenWorkOrphaned()
    {
        var chroot = await NewChrootAsync();
        await using var zk = await ConnectAsync(chroot);
        await zk.CreateAsync("/buddy-circle", ReadOnlyMemory<byte>.Empty);
        await zk.CreateAsync("/buddy-circle/nodes", ReadOnlyMemory<byte>.Empty);
        var sessions = new List<ZooKeeperClient>();
        var names = new List<string>();
        try
        {
            // (join-circle …) three times, each from a service of its own (a session); the last joiner wakes the first.
            for (var i = 0; i < 3; i++)
            {
                var member = await ConnectAsync(chroot);
                sessions.Add(member);
                var created = await member.CreateAsync("/buddy-circle/nodes/n-", ReadOnlyMemory<byte>.Empty, CreateMode.EphemeralSequential);
                names.Add(created[(created.LastIndexOf('/') + 1)..]);
            }

            await zk.SetDataAsync($"/buddy-circle/nodes/{names[0]}", Utf8($"last node: {names[2]}"));
            await CreateAllAsync(zk, $"/buddy-circle/transactions/{names[1]}/run-1234");

            var pool = await new PoolLayoutReader(zk).ReadAsync();

            Assert.Equal(names, pool.Members.Select(m => m.Name));
            Assert.Equal([names[2], names[0], names[1]], pool.Members.Select(m => m.Buddy));
            Assert.Equal(sessions.Select(s => s.SessionId), pool.Members.Select(m => m.SessionId));
            Assert.Equal($"last node: {names[2]}", pool.Members[0].Data);
            Assert.Equal(["run-1234"], pool.Members[1].OpenTransactions);

            var leaving = sessions[1];
            sessions.RemoveAt(1);
            await leaving.DisposeAsync();
            await Eventually.UntilAsync(
                async () => (await new PoolLayoutReader(zk).ReadAsync()).Members.Count == 2, TimeSpan.FromSeconds(30), "the member whose session ended has left");
            var after = await new PoolLayoutReader(zk).ReadAsync();

            Assert.Equal([names[2], names[0]], after.Members.Select(m => m.Buddy));
            Assert.Equal(["run-1234"], after.OrphanedTransactions[names[1]]);
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }
}
