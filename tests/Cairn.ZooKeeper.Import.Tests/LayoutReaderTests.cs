namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>zookeeper-exp1's runs and buddy circle read from a tree in memory (the real server's tests write the same
/// layout into ZooKeeper).</summary>
public sealed class LayoutReaderTests
{
    [Fact]
    public void Edn_ReadsWhatPrnStrWrote_AndStrNamesKeysAsClojureDid()
    {
        var value = Edn.Read("{\"node1\" [1 2 4], \"node2\" [2], :kw (3), sym #{5}, 7 [], \"q\\\"\\u00e9\" [-1N]} ; comment\n");

        var map = Assert.IsType<List<KeyValuePair<object?, object?>>>(value);
        Assert.Equal(["node1", "node2", ":kw", "sym", "7", "q\"é"], map.Select(e => Edn.Str(e.Key)));
        Assert.Equal(new object?[] { 1L, 2L, 4L }, Assert.IsType<List<object?>>(map[0].Value));
        Assert.Equal(new object?[] { -1L }, Assert.IsType<List<object?>>(map[5].Value));
    }

    [Theory]
    [InlineData("{\"a\" [1 2]", "not closed")]
    [InlineData("{\"a\"}", "a key and no value")]
    [InlineData("#inst \"2016-01-01\"", "tagged values")]
    [InlineData("{\"a\" [1]} {}", "more after the value")]
    [InlineData("\"never closed", "a string is not closed")]
    public void Edn_RefusesWhatItDoesNotRead(string text, string reason)
    {
        Assert.Contains(reason, Assert.Throws<InvalidDataException>(() => Edn.Read(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadRun_GivesStateTopologyPendingInstancesAndParameters()
    {
        var tree = new FakeZNodes()
            .Add("/runs/run-1235/topology", "{\"node1\" [1 2 4], \"node2\" [2]}\n")
            .Add("/runs/run-1235/nodes/node1/4")
            .Add("/runs/run-1235/nodes/node1/1")
            .Add("/runs/run-1235/nodes/node2")           // its last instance just completed
            .Add("/runs/run-1235/state", "running")
            .Add("/runs/run-1235/node1.1:hostname", "vm-1.example")
            .Add("/runs/run-1235/ss:abort", "");

        var run = await new RunLayoutReader(tree).ReadAsync("run-1235");

        Assert.NotNull(run);
        Assert.Equal("run-1235", run.RunId);
        Assert.Equal("running", run.State);
        Assert.Null(run.TransitionTo);
        Assert.Equal([1, 2, 4], run.Topology["node1"]);
        Assert.Equal([2], run.Topology["node2"]);
        Assert.Equal(["node1"], run.Pending.Keys);
        Assert.Equal([1, 4], run.Pending["node1"]);
        Assert.Equal(new Dictionary<string, string> { ["node1.1:hostname"] = "vm-1.example", ["ss:abort"] = "" }, run.Parameters);
        Assert.Null(await new RunLayoutReader(tree).ReadAsync("no-such-run"));
    }

    [Fact]
    public async Task ReadAll_ReadsEveryRun_AndListsTheUnreadableOnesApart()
    {
        var tree = new FakeZNodes()
            .Add("/runs/b/state", "init").Add("/runs/b/topology", "{\"n\" [1]}").Add("/runs/b/nodes/n/1")
            .Add("/runs/a/state", "init").Add("/runs/a/transition", "provisioning").Add("/runs/a/topology", "{}")
            .Add("/runs/c/topology", "{\"n\" [\"one\"]}")
            .Add("/runs/d/nodes/n/first");

        var all = await new RunLayoutReader(tree).ReadAllAsync();

        Assert.Equal(["a", "b"], all.Runs.Select(r => r.RunId));
        Assert.Equal("provisioning", all.Runs[0].TransitionTo);
        Assert.Equal(["/runs/c/topology", "/runs/d/nodes/n/first"], all.Unreadable.Select(e => e.Path));
        Assert.Contains("not a collection of integers", all.Unreadable[0].Message, StringComparison.Ordinal);
        Assert.Empty((await new RunLayoutReader(new FakeZNodes()).ReadAllAsync()).Runs);
    }

    [Fact]
    public async Task ReadPool_GivesMembersInJoinOrder_TheirBuddies_AndOpenAndOrphanedTransactions()
    {
        var tree = new FakeZNodes()
            .Add("/buddy-circle/nodes/n-0000000105", "", ephemeralOwner: 0x105)
            .Add("/buddy-circle/nodes/n-0000000007", "last node: n-0000000105", ephemeralOwner: 0x7)
            .Add("/buddy-circle/nodes/n-0000000042", "", ephemeralOwner: 0x42)
            .Add("/buddy-circle/transactions/n-0000000042/run-1234")
            .Add("/buddy-circle/transactions/n-0000000042/runs/run-9")
            .Add("/buddy-circle/transactions/n-0000000001/run-77");

        var pool = await new PoolLayoutReader(tree).ReadAsync();

        Assert.Equal(
            [
                new("n-0000000007", 7, "last node: n-0000000105", "n-0000000105", 0x7, []),
                new("n-0000000042", 42, "", "n-0000000007", 0x42, pool.Members[1].OpenTransactions),
                new OriginalPoolMember("n-0000000105", 105, "", "n-0000000042", 0x105, []),
            ],
            pool.Members);
        Assert.Equal(["run-1234", "runs/run-9"], pool.Members[1].OpenTransactions);
        Assert.Equal(["run-77"], pool.OrphanedTransactions["n-0000000001"]);
    }

    [Fact]
    public async Task ReadPool_OneMemberHasNoBuddy_AndNoCircleIsAnEmptyPool()
    {
        var alone = await new PoolLayoutReader(new FakeZNodes().Add("/buddy-circle/nodes/n-0000000001")).ReadAsync();

        Assert.Null(Assert.Single(alone.Members).Buddy);
        Assert.Empty((await new PoolLayoutReader(new FakeZNodes()).ReadAsync()).Members);
        await Assert.ThrowsAsync<OriginalLayoutException>(() => new PoolLayoutReader(new FakeZNodes().Add("/buddy-circle/nodes/stray")).ReadAsync());
    }
}
