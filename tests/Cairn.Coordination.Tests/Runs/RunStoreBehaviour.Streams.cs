using System.Collections.Concurrent;
using Cairn.Contracts;

namespace Cairn.Coordination.Tests.Runs;

// Parameters, watchers and readers.
public abstract partial class RunStoreBehaviour
{
    [Fact]
    public async Task AHundredRapidParameterWrites_AreSeenInOrder_EachWithItsRevision()
    {
        var run = await CreateAsync("run-1235");
        using var timeout = Timeout();
        var seen = new List<RunEventDto>();
        var watcher = Task.Run(async () =>
        {
            await foreach (var e in Runs.WatchAsync("run-1235", run.ModRevision + 1, timeout.Token))
            {
                seen.Add(e);
                if (seen.Count == 100)
                {
                    return;
                }
            }
        });

        var written = new List<(string Value, long Revision)>();
        for (var i = 0; i < 100; i++)
        {
            var set = await Runs.SetParameterAsync("run-1235", "node1", 4, "hostname", $"value-{i}");
            written.Add((set.Value!, set.ModRevision));
        }

        await watcher;
        Assert.All(seen, e =>
        {
            Assert.Equal("parameter", e.Type);
            Assert.Equal("node1", e.Node);
            Assert.Equal(4, e.Index);
            Assert.Equal("hostname", e.Name);
        });
        Assert.Equal(written, seen.Select(e => (e.Value!, e.Revision)));
        Assert.Equal("value-99", seen[^1].Value);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Revision < p.Second.Revision));
        var last = await Runs.GetParameterAsync("run-1235", "node1", 4, "hostname");
        Assert.Equal(("value-99", 100L, written[^1].Revision), (last.Value, last.Version, last.ModRevision));
    }

    [Fact]
    public async Task Parameters_FallBackToTheNodesThenTheDefault_AndSetOnesWin()
    {
        await Runs.CreateAsync(new CreateRunDto
        {
            Id = "run-1235",
            Topology = SeedTopology(),
            Parameters = new() { ["node1"] = new() { ["image"] = "ubuntu" } },
            Defaults = new() { ["image"] = "debian", ["cpu"] = "2" },
        });
        await Runs.SetParameterAsync("run-1235", "node1", 2, "image", "alpine");
        await Runs.SetParameterAsync("run-1235", null, null, "owner", "ops");

        var own = await Runs.GetParameterAsync("run-1235", "node1", 2, "image");
        var ofNode = await Runs.GetParameterAsync("run-1235", "node1", 1, "image");
        var byDefault = await Runs.GetParameterAsync("run-1235", "node2", 2, "image");
        var none = await Runs.GetParameterAsync("run-1235", "node2", 2, "memory");
        var runLevel = await Runs.GetParameterAsync("run-1235", null, null, "owner");

        Assert.Equal(("alpine", "set"), (own.Value, own.Source));
        Assert.Equal(("ubuntu", "node"), (ofNode.Value, ofNode.Source));
        Assert.Equal(("debian", "default"), (byDefault.Value, byDefault.Source));
        Assert.Equal((null, "none", 0L), (none.Value, none.Source, none.ModRevision));
        Assert.Equal(("ops", "set"), (runLevel.Value, runLevel.Source));
        var all = await Runs.ListParametersAsync("run-1235");
        Assert.Equal([("node1", 2, "image", "alpine"), (null, null, "owner", "ops")], all.Select(p => (p.Node, p.Index, p.Name, p.Value!)));
    }

    [Fact]
    public async Task SetParameter_WithIfModRevision_IsACompareAndSet()
    {
        await CreateAsync("run-1235");
        var created = await Runs.SetParameterAsync("run-1235", "node2", 2, "ip", "10.0.0.1", ifModRevision: 0);
        var revision = await RevisionAsync();

        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(() => Runs.SetParameterAsync("run-1235", "node2", 2, "ip", "10.0.0.2", ifModRevision: 0));
        Assert.Equal(created.ModRevision, stale.ActualModRevision);
        Assert.Equal(revision, await RevisionAsync());

        var next = await Runs.SetParameterAsync("run-1235", "node2", 2, "ip", "10.0.0.3", ifModRevision: created.ModRevision);
        Assert.Equal(2, next.Version);
        Assert.Equal("10.0.0.3", (await Runs.GetParameterAsync("run-1235", "node2", 2, "ip")).Value);
    }

    [Fact]
    public async Task Readers_DuringTransitions_SeeOnlyWholeValidStates()
    {
        string[] path = ["init", "provisioning", "executing", "sending report", "ready", "finalyzing", "terminated"];
        var topology = new Dictionary<string, List<int>> { ["n"] = [0, 1, 2], ["m"] = [7] };
        await CreateAsync("walk", topology);
        using var stop = new CancellationTokenSource();
        var reads = new ConcurrentQueue<RunDto>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                reads.Enqueue((await Runs.GetAsync("walk"))!);
            }
        });
        await Eventually.UntilAsync(() => !reads.IsEmpty || reader.IsCompleted, Deadline, "the reader reads");

        var indexes = topology.SelectMany(n => n.Value.Select(i => (Node: n.Key, Index: i))).ToList();
        for (var s = 0; s < path.Length - 1; s++)
        {
            var answers = await Task.WhenAll(indexes.Select(x => Runs.CompleteAsync("walk", x.Node, x.Index, path[s], path[s + 1])));
            Assert.Single(answers, a => a.Moved);
        }

        await stop.CancelAsync();
        await reader; // no read failed

        Assert.NotEmpty(reads);
        Assert.All(reads, run =>
        {
            Assert.Equal(run.Epoch, Array.IndexOf(path, run.State));
            Assert.Equal(topology, run.Topology);
            Assert.All(run.Pending, p => Assert.Subset(topology[p.Key].ToHashSet(), p.Value.ToHashSet()));
            Assert.Equal(run.State == "terminated", run.Final);
        });
        Assert.True(reads.Zip(reads.Skip(1)).All(p => p.First.ModRevision <= p.Second.ModRevision));
        var end = await Runs.GetAsync("walk");
        Assert.Equal(("terminated", 6L, 0), (end!.State, end.Epoch, end.Pending.Count));
    }

    [Fact]
    public async Task Watch_ResumedFromTheLastRevision_MissesNothing()
    {
        var run = await CreateAsync("run-1235");
        for (var i = 0; i < 3; i++)
        {
            await Runs.SetParameterAsync("run-1235", null, null, "step", $"v{i}");
        }

        var first = new List<RunEventDto>();
        using (var timeout = Timeout())
        {
            await foreach (var e in Runs.WatchAsync("run-1235", run.ModRevision + 1, timeout.Token))
            {
                first.Add(e);
                if (first.Count == 3)
                {
                    break; // the subscriber goes away
                }
            }
        }

        // While it is away: two completions and a parameter.
        await Runs.CompleteAsync("run-1235", "node1", 1, "init", "provisioning");
        await Runs.SetParameterAsync("run-1235", "node2", 2, "step", "v3");
        await Runs.CompleteAsync("run-1235", "node2", 2, "init", "provisioning");

        var rest = new List<RunEventDto>();
        using (var timeout = Timeout())
        {
            await foreach (var e in Runs.WatchAsync("run-1235", first[^1].Revision + 1, timeout.Token))
            {
                rest.Add(e);
                if (rest.Count == 3)
                {
                    break;
                }
            }
        }

        Assert.Equal(["v0", "v1", "v2"], first.Select(e => e.Value));
        Assert.Equal(["barrier", "parameter", "barrier"], rest.Select(e => e.Type));
        Assert.Equal(("node1", 1, 3), (rest[0].Node, rest[0].Index, rest[0].Remaining));
        Assert.Equal("v3", rest[1].Value);
        Assert.Equal(("node2", 2, 2), (rest[2].Node, rest[2].Index, rest[2].Remaining));
        var revisions = first.Concat(rest).Select(e => e.Revision).ToList();
        Assert.Equal(revisions.Order(), revisions);
        Assert.Equal(revisions.Count, revisions.Distinct().Count());
        Assert.Equal(run.ModRevision + 6, revisions[^1]);
    }

    [Fact]
    public async Task Watch_SeesEachStateChangeWithThePreviousState()
    {
        var run = await CreateAsync("run-1235", new() { ["n"] = [0] });
        await Runs.CompleteAsync("run-1235", "n", 0, "init", "provisioning");
        await Runs.CompleteAsync("run-1235", "n", 0, "provisioning", "executing");

        var seen = new List<RunEventDto>();
        using var timeout = Timeout();
        await foreach (var e in Runs.WatchAsync("run-1235", run.ModRevision, timeout.Token))
        {
            seen.Add(e);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(
            [("created", "init", null, 0L), ("state", "provisioning", "init", 1L), ("state", "executing", "provisioning", 2L)],
            seen.Select(e => (e.Type, e.State!, e.PreviousState, e.Epoch!.Value)));
        Assert.Equal([run.ModRevision, run.ModRevision + 1, run.ModRevision + 2], seen.Select(e => e.Revision));
    }
}
