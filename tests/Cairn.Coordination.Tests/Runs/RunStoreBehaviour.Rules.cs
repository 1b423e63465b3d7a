using Cairn.Contracts;
using Cairn.Coordination.Runs;

namespace Cairn.Coordination.Tests.Runs;

// Bad input, the graph, delete, import and listing.
public abstract partial class RunStoreBehaviour
{
    public static TheoryData<string, string> BadCreates() => new()
    {
        { """{"id":"r","topology":{}}""", "topology" },
        { """{"id":"r","topology":{"node1":[]}}""", "no index" },
        { """{"id":"r","topology":{"node1":[1,-2]}}""", "negative" },
        { """{"id":"r","topology":{"node1":[1,2,1]}}""", "twice" },
        { """{"id":"a/b","topology":{"node1":[1]}}""", "run id" },
        { """{"id":"..","topology":{"node1":[1]}}""", "run id" },
        { """{"id":"r","topology":{"a/b":[1]}}""", "node name" },
        { """{"id":"r","topology":{"..":[1]}}""", "node name" },
        { """{"id":"r","topology":{"node1":[1]},"graph":{"a":["b"]},"initialState":"a"}""", "graph" },
        { """{"id":"r","topology":{"node1":[1]},"initialState":"nowhere"}""", "initialState" },
        { """{"id":"r","topology":{"node1":[1]},"graph":{"a":["a"]}}""", "initialState" },
        { """{"id":"r","topology":{"node1":[1]},"parameters":{"node9":{"x":"1"}}}""", "node9" },
        { """{"id":"r","topology":{"node1":[1]},"defaults":{"a/b":"1"}}""", "parameter name" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Create_WithBadInput_IsRefusedNamingIt_AndWritesNothing(string body, string named)
    {
        var request = System.Text.Json.JsonSerializer.Deserialize<CreateRunDto>(body, WireJson.Options)!;
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => Runs.CreateAsync(request));

        Assert.Contains(named, e.Message);
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task UnknownRunNodeOrIndex_IsNotFound_AndWritesNothing()
    {
        await CreateAsync("run-1235");
        var revision = await RevisionAsync();

        (string Run, string Node, int Index, string Missing)[] cases = [("nope", "node1", 1, "nope"), ("run-1235", "node3", 1, "node3"), ("run-1235", "node1", 3, "index 3")];
        foreach (var (run, node, index, missing) in cases)
        {
            var complete = await Assert.ThrowsAsync<NotFoundException>(() => Runs.CompleteAsync(run, node, index, "init", "provisioning"));
            var get = await Assert.ThrowsAsync<NotFoundException>(() => Runs.GetParameterAsync(run, node, index, "x"));
            var set = await Assert.ThrowsAsync<NotFoundException>(() => Runs.SetParameterAsync(run, node, index, "x", "1"));
            Assert.All(new[] { complete, get, set }, e => Assert.Contains(missing, e.Message));
        }

        await Assert.ThrowsAsync<NotFoundException>(() => Runs.SetParameterAsync("nope", null, null, "x", "1"));
        await Assert.ThrowsAsync<NotFoundException>(() => Runs.ListParametersAsync("nope"));
        await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var _ in Runs.WatchAsync("nope"))
            {
            }
        });
        Assert.Null(await Runs.GetAsync("nope"));
        Assert.False(await Runs.DeleteAsync("nope"));
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task AnInvalidTransition_IsRefusedNamingIt_AndWritesNothing()
    {
        var created = await CreateAsync("run-1235");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<InvalidTransitionException>(() => Runs.CompleteAsync("run-1235", "node1", 1, "init", "executing"));

        Assert.Equal(("init", "executing"), (e.From, e.To));
        Assert.Contains("'init' → 'executing'", e.Message);
        Assert.Equal(created.ModRevision, (await Runs.GetAsync("run-1235"))!.ModRevision);
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task AnOversizeParameter_IsRefused_AndWritesNothing()
    {
        await CreateAsync("run-1235");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<LimitExceededException>(() => Runs.SetParameterAsync("run-1235", "node1", 1, "blob", new string('x', 1025)));
        await Assert.ThrowsAsync<LimitExceededException>(() => Runs.SetParameterAsync("run-1235", null, null, "blob", new string('é', 513)));
        await Assert.ThrowsAsync<LimitExceededException>(() => Runs.CreateAsync(new CreateRunDto { Id = "big", Topology = SeedTopology(), Defaults = new() { ["blob"] = new string('x', 1025) } }));

        Assert.Equal((1025L, 1024L), (e.Actual, e.Limit));
        Assert.Equal(revision, await RevisionAsync());
        var fits = await Runs.SetParameterAsync("run-1235", "node1", 1, "blob", new string('x', 1024));
        Assert.Equal(1, fits.Version);
    }

    [Fact]
    public async Task ACustomGraph_IsEnforcedPerRun_AndItsFinalStateRefusesCompletions()
    {
        var graph = new Dictionary<string, List<string>> { ["draft"] = ["review"], ["review"] = ["draft", "published"], ["published"] = [] };
        await CreateAsync("doc", new() { ["w"] = [0] }, graph, "draft");
        await CreateAsync("run-1235");

        await Assert.ThrowsAsync<InvalidTransitionException>(() => Runs.CompleteAsync("doc", "w", 0, "draft", "published"));
        await Assert.ThrowsAsync<InvalidTransitionException>(() => Runs.CompleteAsync("run-1235", "node2", 2, "init", "review"));
        Assert.True((await Runs.CompleteAsync("doc", "w", 0, "draft", "review")).Moved);
        var published = await Runs.CompleteAsync("doc", "w", 0, "review", "published");

        Assert.True(published.Moved);
        Assert.True(published.Run.Final);
        Assert.Empty(published.Run.Pending);
        var revision = await RevisionAsync();
        var e = await Assert.ThrowsAsync<InvalidTransitionException>(() => Runs.CompleteAsync("doc", "w", 0, "published", "draft"));
        Assert.Contains("final", e.Message);
        Assert.Equal(revision, await RevisionAsync());
        Assert.Equal(("published", 2L), ((await Runs.GetAsync("doc"))!.State, (await Runs.GetAsync("doc"))!.Epoch));
    }

    [Fact]
    public async Task CompletionsOfOneState_MustAgreeOnTheNext()
    {
        var graph = new Dictionary<string, List<string>> { ["a"] = ["b", "c"], ["b"] = [], ["c"] = [] };
        await CreateAsync("fork", new() { ["n"] = [0, 1] }, graph, "a");
        await Runs.CompleteAsync("fork", "n", 0, "a", "b");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => Runs.CompleteAsync("fork", "n", 1, "a", "c"));

        Assert.Contains("'b'", e.Message);
        Assert.Contains("'c'", e.Message);
        Assert.Equal(revision, await RevisionAsync());
        Assert.Equal("b", (await Runs.CompleteAsync("fork", "n", 1, "a", "b")).Run.State);
    }

    [Fact]
    public async Task Delete_RemovesTheRunAndItsParameters_AndEndsItsWatch()
    {
        var run = await CreateAsync("run-1235");
        await Runs.SetParameterAsync("run-1235", null, null, "owner", "ops");
        await Runs.SetParameterAsync("run-1235", "node1", 4, "ip", "10.0.0.4");
        using var timeout = Timeout();
        var events = new List<RunEventDto>();
        var watcher = Task.Run(async () =>
        {
            await foreach (var e in Runs.WatchAsync("run-1235", run.ModRevision + 1, timeout.Token))
            {
                events.Add(e);
            }
        });

        Assert.True(await Runs.DeleteAsync("run-1235"));
        var deletedAt = await RevisionAsync();

        await watcher; // ends by itself after 'deleted'
        Assert.Equal([("parameter", "owner"), ("parameter", "ip"), ("deleted", null)], events.Select(e => (e.Type, e.Name)));
        Assert.Equal(deletedAt, events[^1].Revision);
        Assert.Null(await Runs.GetAsync("run-1235"));
        await Assert.ThrowsAsync<NotFoundException>(() => Runs.GetParameterAsync("run-1235", "node1", 4, "ip"));
        await Assert.ThrowsAsync<NotFoundException>(() => Runs.GetParameterAsync("run-1235", null, null, "owner"));
        Assert.Empty((await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(RunStore.Prefix)))).Kvs);
        Assert.False(await Runs.DeleteAsync("run-1235"));

        var again = await CreateAsync("run-1235", new() { ["solo"] = [0] });
        Assert.Equal(("none", 0), ((await Runs.GetParameterAsync("run-1235", null, null, "owner")).Source, (await Runs.ListParametersAsync("run-1235")).Count));
        Assert.Equal("init", again.State);
    }

    [Fact]
    public async Task Import_CreatesTheRunInItsStateAndBarrier_Once()
    {
        var imported = await Runs.ImportAsync(
            new RunDto { Id = "old-7", State = "executing", Epoch = 2, Topology = SeedTopology(), Pending = new() { ["node1"] = [4] } },
            new Dictionary<string, string> { ["owner"] = "ops", ["region"] = "eu" });

        var run = await Runs.GetAsync("old-7");
        Assert.Equal(("executing", 2L), (run!.State, run.Epoch));
        Assert.Equal(new Dictionary<string, List<int>> { ["node1"] = [4] }, run.Pending);
        Assert.Equal(RunGraphs.Default(), run.Graph);
        Assert.Equal(imported.ModRevision, run.ModRevision);
        var parameters = await Runs.ListParametersAsync("old-7");
        Assert.Equal([("owner", "ops"), ("region", "eu")], parameters.Select(p => (p.Name, p.Value!)));
        Assert.All(parameters, p => Assert.Equal(imported.ModRevision, p.ModRevision));

        await Assert.ThrowsAsync<ConflictException>(() => Runs.ImportAsync(new RunDto { Id = "old-7", State = "init", Topology = SeedTopology(), Pending = SeedTopology() }, new Dictionary<string, string>()));
        var moved = await Runs.CompleteAsync("old-7", "node1", 4, "executing", "sending report");
        Assert.True(moved.Moved);
        Assert.Equal((3L, 4), (moved.Run.Epoch, Count(moved.Run.Pending)));
    }

    [Fact]
    public async Task Import_WithBadInput_IsRefused_AndWritesNothing()
    {
        var revision = await RevisionAsync();
        var tooMany = Enumerable.Range(0, 100).ToDictionary(i => $"p{i}", i => "v");
        (RunDto Run, IReadOnlyDictionary<string, string> Parameters, string Named)[] cases =
        [
            (new RunDto { Id = "x", State = "init", Topology = SeedTopology(), Pending = new() { ["node1"] = [3] } }, new Dictionary<string, string>(), "pending"),
            (new RunDto { Id = "x", State = "init", Topology = SeedTopology(), Pending = new() { ["node7"] = [1] } }, new Dictionary<string, string>(), "node7"),
            (new RunDto { Id = "x", State = "init", Topology = SeedTopology() }, new Dictionary<string, string>(), "pending"),
            (new RunDto { Id = "x", State = "terminated", Topology = SeedTopology(), Pending = SeedTopology() }, new Dictionary<string, string>(), "final"),
            (new RunDto { Id = "x", State = "gone", Topology = SeedTopology(), Pending = SeedTopology() }, new Dictionary<string, string>(), "state"),
            (new RunDto { Id = "x", State = "init", Topology = SeedTopology(), Pending = SeedTopology() }, tooMany, "100"),
        ];

        foreach (var (run, parameters, named) in cases)
        {
            var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => Runs.ImportAsync(run, parameters));
            Assert.Contains(named, e.Message);
        }

        Assert.Equal(revision, await RevisionAsync());
        var fits = await Runs.ImportAsync(new RunDto { Id = "x", State = "init", Topology = SeedTopology(), Pending = SeedTopology() }, tooMany.Skip(1).ToDictionary());
        Assert.Equal(99, (await Runs.ListParametersAsync(fits.Id)).Count);
    }

    [Fact]
    public async Task List_PagesThroughRunsInOrder_PastTheirParameters()
    {
        string[] ids = ["a", "b", "c", "d", "e"];
        foreach (var id in ids)
        {
            await CreateAsync(id);
        }

        // More parameters than a page of keys between 'b' and its record.
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Runs.SetParameterAsync("b", "node1", 1, $"p{i:000}", "v")));

        var pages = new List<List<string>>();
        string? after = null;
        while (true)
        {
            var page = await Runs.ListAsync(after, limit: 2);
            if (page.Runs.Count == 0)
            {
                break;
            }

            pages.Add([.. page.Runs.Select(r => r.Id)]);
            after = page.Runs[^1].Id;
        }

        Assert.Equal([["a", "b"], ["c", "d"], ["e"]], pages);
        Assert.All((await Runs.ListAsync()).Runs, r => Assert.Equal("init", r.State));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Runs.ListAsync(limit: 0));
    }
}
