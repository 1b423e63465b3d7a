using Cairn.Client;

namespace Cairn.Cli.Tests.Coordination;

/// <summary><c>cairn pool</c>, <c>cairn barrier</c> and <c>cairn queue</c> against a real server.</summary>
public sealed class PoolBarrierQueueCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    // The endpoint goes first: after a "--" it would be part of the COMMAND.
    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.TcpEndpoint, .. args]);

    [Fact]
    public async Task PoolJoin_StaysAMember_AndWhenItsBuddyDies_PrintsTheTakeover()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var pool = Unique("pool");
        using var dying = ChildCairn.Start("pool", "join", pool, "--name", "dying", "--ttl", "2s", "--endpoint", fixture.TcpEndpoint);
        await Eventually.UntilAsync(() => dying.Out.StartsWith("joined ", StringComparison.Ordinal) || dying.Process.HasExited, Deadline, $"the first joins (stderr: {dying.Error})");
        using var buddy = ChildCairn.Start("pool", "join", pool, "--name", "buddy", "--endpoint", fixture.TcpEndpoint);
        await Eventually.UntilAsync(() => buddy.Out.Contains("buddy m-", StringComparison.Ordinal) || buddy.Process.HasExited, Deadline, $"the second joins and follows its buddy (stderr: {buddy.Error})");
        var dyingId = dying.Out.Split('\n')[0].Split(' ')[^1];
        await client.PutPoolItemAsync(pool, dyingId, "item-1", "work");
        var ls = await Cairn("pool", "ls", pool);

        dying.Process.Kill(entireProcessTree: true);
        // The takeover and the new buddy are two lines the member prints in either order: wait for both.
        await Eventually.UntilAsync(
            () => buddy.Out.Contains("takeover from", StringComparison.Ordinal) && buddy.Out.Contains("buddy (none: alone in the pool)", StringComparison.Ordinal),
            Deadline,
            $"the buddy takes over and is alone (out: {buddy.Out}, stderr: {buddy.Error})");

        Assert.Matches($@"(?m)^{dyingId}\s+dying\s+m-[0-9a-f]{{16}}\s+1\s+", ls.Out);
        Assert.Contains($"takeover from {dyingId}: item-1\n", buddy.Out, StringComparison.Ordinal);
        Assert.Contains("buddy (none: alone in the pool)", buddy.Out, StringComparison.Ordinal);
        Assert.False(buddy.Process.HasExited);
        var items = await client.ListPoolItemsAsync(pool, buddy.Out.Split('\n')[0].Split(' ')[^1]);
        Assert.Equal(["item-1"], items.Select(i => i.Item));
    }

    [Fact]
    public async Task PoolJoin_WhoseSessionIsRevoked_ExitsWithTheLostCode_AndOneLine()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var pool = Unique("pool");
        using var member = ChildCairn.Start("pool", "join", pool, "--ttl", "30s", "--endpoint", fixture.TcpEndpoint);
        await Eventually.UntilAsync(() => member.Out.Contains("buddy", StringComparison.Ordinal) || member.Process.HasExited, Deadline, $"the member joins (stderr: {member.Error})");
        var joined = Assert.Single((await client.GetPoolAsync(pool)).Members);

        await client.RevokeLeaseAsync(joined.Lease);
        using var exited = new CancellationTokenSource(Deadline);
        await member.Process.WaitForExitAsync(exited.Token);
        member.Process.WaitForExit();

        Assert.Equal(75, member.Process.ExitCode);
        var line = Assert.Single(member.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"cairn: lost membership {joined.Id} of pool {pool}: its session ended (join again to take part)", line);
    }

    [Fact]
    public async Task PoolJoin_WithACommand_ExitsWithItsCode_AndLeaves()
    {
        var pool = Unique("pool");

        var output = await ChildCairn.RunAsync(Deadline, "pool", "join", pool, "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "echo member $CAIRN_POOL_MEMBER of $CAIRN_POOL");
        var ls = await Cairn("pool", "ls", pool, "--json");

        var id = output.Split('\n')[0].Split(' ')[^1];
        Assert.Contains($"member {id} of {pool}\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain(id, ls.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BarrierSync_LetsTheRoundThroughTogether()
    {
        var name = Unique("sync");
        var children = Enumerable.Range(0, 2)
            .Select(_ => ChildCairn.Start("barrier", "sync", name, "--count", "2", "--endpoint", fixture.TcpEndpoint, "--", "sh", "-c", "echo in round $CAIRN_BARRIER_ROUND"))
            .ToList();
        try
        {
            foreach (var child in children)
            {
                using var exited = new CancellationTokenSource(Deadline);
                await child.Process.WaitForExitAsync(exited.Token);
                child.Process.WaitForExit();
                Assert.True(child.Process.ExitCode == 0, $"exit {child.Process.ExitCode}: {child.Error}");
                Assert.Equal($"entered round 1 of barrier {name} (2 participants)\nin round 1\nleft round 1 of barrier {name}\n", child.Out);
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task BarrierHoldWaitRelease()
    {
        var name = Unique("barrier");

        var hold = await Cairn("barrier", "hold", name);
        var timedOut = await Cairn("barrier", "wait", name, "--wait", "0.3s");
        var (waiting, output) = CliRun.Start(["barrier", "wait", name, "--endpoint", fixture.TcpEndpoint], CancellationToken.None);
        var release = await Cairn("barrier", "release", name);
        var code = await waiting.WaitAsync(Deadline);

        Assert.Equal($"barrier {name} held\n", hold.Out);
        Assert.Contains("still held", timedOut.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Equal($"barrier {name} released\n", release.Out);
        Assert.Equal(0, code);
        Assert.Equal($"barrier {name} passed\n", output());
    }

    [Fact]
    public async Task QueuePutTakeLs()
    {
        var name = Unique("queue");

        var put1 = await Cairn("queue", "put", name, "first");
        var put2 = await CliRun.RunAsync(["queue", "put", name, "--endpoint", fixture.TcpEndpoint], "second from stdin");
        var ls = await Cairn("queue", "ls", name);
        var take1 = await Cairn("queue", "take", name);
        var take2 = await Cairn("queue", "take", name, "--wait", "5s");
        var empty = await Cairn("queue", "take", name, "--wait", "0");
        var after = await Cairn("queue", "ls", name);

        Assert.Matches(@"^\d+\n$", put1.Out);
        Assert.True(string.CompareOrdinal(put1.Out, put2.Out) < 0);
        Assert.Equal($"queue {name}: 2 ready, 0 in flight\n", ls.Out);
        Assert.Equal("first\n", take1.Out);
        Assert.Equal("second from stdin\n", take2.Out);
        Assert.Contains("no item", empty.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Equal($"queue {name}: 0 ready, 0 in flight\n", after.Out);
    }
}
