using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli.Tests.Coordination;

/// <summary>
/// zookeeper-exp1's walkthrough with Cairn's CLI: create <c>run-1235</c>, start several <c>cairn run wait run-1235</c>
/// processes (the real executable), complete every node index with <c>cairn run complete</c>, and every waiter prints the
/// next state at once; then on to a final state, where the waiters exit 0.
/// </summary>
public sealed class SeedWalkthroughTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static readonly (string Node, int Index)[] Indexes = [("node1", 1), ("node1", 2), ("node1", 4), ("node2", 2)];

    // The endpoint goes first: after a "--" it would be part of the COMMAND.
    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.TcpEndpoint, .. args]);

    [Fact]
    public async Task CompletingEveryIndex_MovesEveryWaiterToTheNextState_AndAFinalStateEndsThem()
    {
        var create = await Cairn("run", "create", "run-1235", """{"node1":[1,2,4],"node2":[2]}""");
        Assert.True(create.ExitCode == 0, create.Error);
        Assert.Equal("run run-1235 created in state init (4 pending)\n", create.Out);

        var waiters = Enumerable.Range(0, 3).Select(_ => ChildCairn.Start("run", "wait", "run-1235", "--endpoint", fixture.TcpEndpoint)).ToList();
        try
        {
            foreach (var waiter in waiters)
            {
                await Eventually.UntilAsync(() => waiter.Error.Contains("waiting for run run-1235", StringComparison.Ordinal) || waiter.Process.HasExited, Deadline, $"a waiter reads the run (stderr: {waiter.Error})");
                Assert.False(waiter.Process.HasExited, $"a waiter exited early: {waiter.Error}");
            }

            var outputs = new List<string>();
            foreach (var (node, index) in Indexes)
            {
                var complete = await Cairn("run", "complete", "run-1235", node, index.ToString(System.Globalization.CultureInfo.InvariantCulture), "init", "provisioning");
                Assert.True(complete.ExitCode == 0, complete.Error);
                outputs.Add(complete.Out);
            }

            foreach (var waiter in waiters)
            {
                await Eventually.UntilAsync(() => waiter.Out == "provisioning\n", Deadline, $"every waiter prints provisioning (out: '{waiter.Out}', stderr: {waiter.Error})");
            }

            Assert.All(outputs.Take(3), o => Assert.StartsWith("not moved:", o, StringComparison.Ordinal));
            Assert.Equal("moved: run run-1235 is now in state provisioning\n", outputs[3]);
            var show = await Cairn("run", "show", "run-1235");
            Assert.Matches(@"(?m)^state\s+provisioning$", show.Out);
            Assert.Matches(@"(?m)^epoch\s+1$", show.Out);
            Assert.Matches(@"(?m)^pending\s+node1 \[1 2 4\]  node2 \[2\] \(4 of 4\)$", show.Out);

            string[] states = ["provisioning", "executing", "sending report", "ready", "finalyzing", "terminated"];
            for (var step = 1; step < states.Length; step++)
            {
                foreach (var (node, index) in Indexes)
                {
                    var complete = await Cairn("run", "complete", "run-1235", node, index.ToString(System.Globalization.CultureInfo.InvariantCulture), states[step - 1], states[step]);
                    Assert.True(complete.ExitCode == 0, complete.Error);
                }
            }

            foreach (var waiter in waiters)
            {
                using var exited = new CancellationTokenSource(Deadline);
                await waiter.Process.WaitForExitAsync(exited.Token);
                waiter.Process.WaitForExit();
                Assert.True(waiter.Process.ExitCode == 0, $"a waiter exited {waiter.Process.ExitCode}: {waiter.Error}");
                Assert.Equal(string.Concat(states.Select(s => s + "\n")), waiter.Out);
            }
        }
        finally
        {
            foreach (var waiter in waiters)
            {
                waiter.Dispose();
            }
        }
    }

    [Fact]
    public async Task Wait_OnARunThatIsDeleted_ExitsNonZero_WithOneLine()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var id = "gone-" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateRunAsync(new CreateRunDto { Id = id, Topology = new() { ["n"] = [0] } });
        using var waiter = ChildCairn.Start("run", "wait", id, "--endpoint", fixture.TcpEndpoint);
        await Eventually.UntilAsync(() => waiter.Error.Contains("waiting for run", StringComparison.Ordinal) || waiter.Process.HasExited, Deadline, $"the waiter reads the run (stderr: {waiter.Error})");

        await client.DeleteRunAsync(id);
        using var exited = new CancellationTokenSource(Deadline);
        await waiter.Process.WaitForExitAsync(exited.Token);
        waiter.Process.WaitForExit();

        Assert.Equal(1, waiter.Process.ExitCode);
        Assert.Equal("", waiter.Out);
        var lines = waiter.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // the waiting notice, then the one error line
        Assert.Equal($"cairn: run {id} was deleted while waiting for it to end.", lines[1]);
    }

    [Fact]
    public async Task Wait_OnARunInAFinalState_PrintsItAndExitsZero()
    {
        var id = "done-" + Guid.NewGuid().ToString("N")[..8];
        var create = await Cairn("run", "create", id, """{"n":[0]}""", "--graph", """{"start":["done"],"done":[]}""", "--initial", "start");
        var complete = await Cairn("run", "complete", id, "n", "0", "start", "done");

        var wait = await Cairn("run", "wait", id);

        Assert.True(create.ExitCode == 0, create.Error);
        Assert.Equal("moved: run " + id + " is now in state done\n", complete.Out);
        Assert.Equal(0, wait.ExitCode);
        Assert.Equal("done\n", wait.Out);
    }
}
