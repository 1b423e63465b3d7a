using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests.Coordination;

/// <summary>Runs through the client against a real server over TCP: the state machine, parameters, and the run's stream
/// across cut connections.</summary>
public sealed class RunClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    private static Dictionary<string, IReadOnlyList<int>> SeedTopology() => new() { ["node1"] = [1, 2, 4], ["node2"] = [2] };

    [Fact]
    public async Task Run_RoundTrip_CreateCompleteReadParametersDelete()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var id = Unique("run");

        var created = await client.CreateRunAsync(id, SeedTopology());
        var duplicate = await Assert.ThrowsAsync<ConflictException>(() => client.CreateRunAsync(id, SeedTopology()));
        var first = await client.CompleteRunAsync(id, "node1", 1, "init", "provisioning");
        var repeat = await client.CompleteRunAsync(id, "node1", 1, "init", "provisioning");
        var wrong = await Assert.ThrowsAsync<ConflictException>(() => client.CompleteRunAsync(id, "node1", 2, "provisioning", "executing"));
        var invalid = await Assert.ThrowsAsync<InvalidTransitionException>(() => client.CompleteRunAsync(id, "node1", 2, "init", "terminated"));
        await client.CompleteRunAsync(id, "node1", 2, "init", "provisioning");
        await client.CompleteRunAsync(id, "node1", 4, "init", "provisioning");
        var last = await client.CompleteRunAsync(id, "node2", 2, "init", "provisioning");
        var read = await client.GetRunAsync(id);
        var listed = await client.ListRunsAsync(limit: 1000);

        Assert.Equal(RunGraphs.InitialState, created.State);
        Assert.Equal(4, created.Pending.Values.Sum(i => i.Count));
        Assert.Contains(id, duplicate.Message, StringComparison.Ordinal);
        Assert.False(first.Moved);
        Assert.Equal(3, first.Remaining);
        Assert.True(repeat.AlreadyCompleted);
        Assert.Contains("provisioning", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("init", wrong.Message, StringComparison.Ordinal);
        Assert.NotEmpty(invalid.Message);
        Assert.True(last.Moved);
        Assert.Equal("provisioning", read!.State);
        Assert.Equal(1, read.Epoch);
        Assert.Equal(4, read.Pending.Values.Sum(i => i.Count));
        Assert.Contains(listed.Runs, r => r.Id == id);

        var set = await client.SetRunParameterAsync(id, "ss:url", "http://x");
        var index = await client.SetRunParameterAsync(id, "node1", 4, "hostname", "vm-4");
        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(() => client.SetRunParameterAsync(id, "ss:url", "late", ifModRevision: set.ModRevision - 1));
        var cas = await client.SetRunParameterAsync(id, "ss:url", "http://y", ifModRevision: set.ModRevision);
        var got = await client.GetRunParameterAsync(id, "ss:url");
        var gotIndex = await client.GetRunParameterAsync(id, "node1", 4, "hostname");
        var none = await client.GetRunParameterAsync(id, "node2", 2, "hostname");
        var all = await client.ListRunParametersAsync(id);
        await Assert.ThrowsAsync<NotFoundException>(() => client.GetRunParameterAsync(id, "node3", 1, "hostname"));

        Assert.Equal("http://y", got.Value);
        Assert.Equal(cas.ModRevision, got.ModRevision);
        Assert.Equal("vm-4", gotIndex.Value);
        Assert.Equal("node1", index.Node);
        Assert.Null(none.Value);
        Assert.Equal("none", none.Source);
        Assert.Contains(all, p => p.Name == "ss:url");
        Assert.NotEmpty(stale.Message);

        Assert.True(await client.DeleteRunAsync(id));
        Assert.Null(await client.GetRunAsync(id));
        Assert.False(await client.DeleteRunAsync(id));
        await Assert.ThrowsAsync<NotFoundException>(() => client.CompleteRunAsync(id, "node1", 1, "provisioning", "executing"));
    }

    [Fact]
    public async Task CreateRun_WithABadTopology_IsRefused_AndNothingIsWritten()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var id = Unique("bad");

        var empty = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateRunAsync(id, new Dictionary<string, IReadOnlyList<int>>()));
        var negative = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateRunAsync(id, new Dictionary<string, IReadOnlyList<int>> { ["n"] = [1, -1] }));
        var duplicate = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateRunAsync(id, new Dictionary<string, IReadOnlyList<int>> { ["n"] = [1, 1] }));

        Assert.NotEmpty(empty.Message);
        Assert.NotEmpty(negative.Message);
        Assert.NotEmpty(duplicate.Message);
        Assert.Null(await client.GetRunAsync(id));
    }

    [Fact]
    public async Task WatchRun_AcrossCutConnections_DeliversEveryChangeOnceInOrder_AndEndsWithTheDelete()
    {
        await using var proxy = new TcpProxy(fixture.TcpEndpoint);
        using var watcher = new CairnClient(proxy.Endpoint);
        using var writer = new CairnClient(fixture.TcpEndpoint);
        var id = Unique("watch");
        var run = await writer.CreateRunAsync(id, new Dictionary<string, IReadOnlyList<int>> { ["n"] = [0, 1] });
        const int Writes = 30;
        var seen = new List<RunEventDto>();
        using var stop = new CancellationTokenSource(Deadline);

        var reading = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchRunAsync(id, run.ModRevision + 1, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(change);
                }
            }
        });
        for (var i = 0; i < Writes; i++)
        {
            await writer.SetRunParameterAsync(id, "p", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i % 5 == 4)
            {
                // Cut mid-stream, once the events so far are through: the client reconnects and resumes where it was.
                var upTo = i + 1;
                await Eventually.UntilAsync(() => Count(seen, RunEventTypes.Parameter) >= upTo, Deadline, $"{upTo} parameter events arrive");
                proxy.CutAll();
            }
        }

        await writer.CompleteRunAsync(id, "n", 0, "init", "provisioning");
        await writer.CompleteRunAsync(id, "n", 1, "init", "provisioning");

        // Seen before the delete: a stream that resumes after its run is gone is refused (404), so what happened between
        // its last event and the delete would not reach it (the client then ends it with a `deleted` of its own).
        await Eventually.UntilAsync(() => Count(seen, RunEventTypes.State) > 0, Deadline, "the transition arrives after the last cut");
        await writer.DeleteRunAsync(id);
        await reading.WaitAsync(Deadline);

        List<RunEventDto> events;
        lock (seen)
        {
            events = [.. seen];
        }

        var values = events.Where(e => e.Type == RunEventTypes.Parameter).Select(e => e.Value).ToList();
        Assert.Equal(Enumerable.Range(0, Writes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), values);
        Assert.Equal(events.Select(e => e.Revision).Order(), events.Select(e => e.Revision));
        Assert.Equal(events.Count, events.Select(e => (e.Type, e.Revision, e.Value, e.Index)).Distinct().Count());
        Assert.Single(events, e => e.Type == RunEventTypes.State && e.State == "provisioning" && e.PreviousState == "init");
        Assert.Equal(RunEventTypes.Deleted, events[^1].Type);
        Assert.True(proxy.Accepted > 1, "the stream was reconnected");
    }

    [Fact]
    public async Task ImportRun_CreatesTheRunInItsStateAndBarrier_Once()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var id = Unique("import");
        var dto = new ImportRunDto
        {
            Run = new RunDto
            {
                Id = id,
                State = "executing",
                Topology = new() { ["node1"] = [1, 2], ["node2"] = [3] },
                Graph = RunGraphs.Default(),
                Pending = new() { ["node1"] = [2] },
            },
            Parameters = new() { ["ss:abort"] = "" },
        };

        var imported = await client.ImportRunAsync(dto);
        var again = await Assert.ThrowsAsync<ConflictException>(() => client.ImportRunAsync(dto));
        var moved = await client.CompleteRunAsync(id, "node1", 2, "executing", "sending report");

        Assert.Equal("executing", imported.State);
        Assert.Equal([2], imported.Pending["node1"]);
        Assert.NotEmpty(again.Message);
        Assert.True(moved.Moved);
        Assert.Equal("", (await client.GetRunParameterAsync(id, "ss:abort")).Value);
    }

    private static int Count(List<RunEventDto> seen, string type)
    {
        lock (seen)
        {
            return seen.Count(e => e.Type == type);
        }
    }
}
