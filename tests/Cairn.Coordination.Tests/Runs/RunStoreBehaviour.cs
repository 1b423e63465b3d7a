using System.Collections.Concurrent;
using Cairn.Contracts;
using Cairn.Coordination.Runs;

namespace Cairn.Coordination.Tests.Runs;

/// <summary>zookeeper-exp1's runs on the keyspace: the seed's cases, races between completers, readers and watchers,
/// bad input; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract partial class RunStoreBehaviour(Backend backend) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-runs-").FullName;
    private readonly StepClock _clock = new();
    private IKeyspace? _store;
    private RunStore? _runs;

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private RunStore Runs => _runs ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _store = await backend.OpenEmptyAsync(_scratch);
        _runs = new RunStore(_store, new RunOptions { MaxParameterBytes = 1024 }, _clock);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>The seed's topology: four indexes on two nodes.</summary>
    private static Dictionary<string, List<int>> SeedTopology() => new() { ["node1"] = [1, 2, 4], ["node2"] = [2] };

    private static readonly (string Node, int Index)[] SeedIndexes = [("node1", 1), ("node1", 2), ("node1", 4), ("node2", 2)];

    private Task<RunDto> CreateAsync(string id, Dictionary<string, List<int>>? topology = null, Dictionary<string, List<string>>? graph = null, string? initial = null) =>
        Runs.CreateAsync(new CreateRunDto { Id = id, Topology = topology ?? SeedTopology(), Graph = graph, InitialState = initial });

    private async Task<long> RevisionAsync() => (await Store.StatusAsync()).Revision;

    private static int Count(Dictionary<string, List<int>> indexes) => indexes.Values.Sum(l => l.Count);

    private static CancellationTokenSource Timeout() => new(Deadline);

    [Fact]
    public async Task Create_WithTheSeedsTopology_StartsInInitWithFourPending()
    {
        var created = await CreateAsync("run-1235");

        var run = await Runs.GetAsync("run-1235");
        Assert.NotNull(run);
        Assert.Equal("init", run.State);
        Assert.Equal(0, run.Epoch);
        Assert.Equal(4, Count(run.Pending));
        Assert.Equal(SeedTopology(), run.Topology);
        Assert.Equal(SeedTopology(), run.Pending);
        Assert.Equal(RunGraphs.Default(), run.Graph);
        Assert.False(run.Final);
        Assert.Null(run.NextState);
        Assert.Equal(_clock.Now, run.CreatedAt);
        Assert.Equal(_clock.Now, run.StateAt);
        Assert.Equal(created.CreateRevision, run.CreateRevision);
        Assert.Equal(created.ModRevision, run.ModRevision);
        Assert.Equal(await RevisionAsync(), run.ModRevision);
    }

    [Fact]
    public async Task Create_Twice_IsRefused_AndTheFirstRunIsUnchanged()
    {
        var first = await CreateAsync("run-1235");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => CreateAsync("run-1235", new() { ["other"] = [0] }));

        Assert.Contains("run-1235", e.Message);
        var run = await Runs.GetAsync("run-1235");
        Assert.Equal(first.ModRevision, run!.ModRevision);
        Assert.Equal(SeedTopology(), run.Topology);
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task Complete_InTheWrongCurrentState_IsRefusedNamingBoth_AndNothingChanges()
    {
        var created = await CreateAsync("run-1235");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => Runs.CompleteAsync("run-1235", "node1", 1, "provisioning", "executing"));

        Assert.Contains("'init'", e.Message);
        Assert.Contains("'provisioning'", e.Message);
        var run = await Runs.GetAsync("run-1235");
        Assert.Equal(created.ModRevision, run!.ModRevision);
        Assert.Equal(4, Count(run.Pending));
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task ThreeOfFourCompletions_DoNotMove_TheLastMovesAndRearmsTheBarrier()
    {
        await CreateAsync("run-1235");

        var remaining = new List<int>();
        foreach (var (node, index) in SeedIndexes[..3])
        {
            var step = await Runs.CompleteAsync("run-1235", node, index, "init", "provisioning");
            Assert.False(step.Moved);
            Assert.False(step.AlreadyCompleted);
            Assert.Equal("init", step.Run.State);
            remaining.Add(step.Remaining);
        }

        Assert.Equal([3, 2, 1], remaining);
        var waiting = await Runs.GetAsync("run-1235");
        Assert.Equal("init", waiting!.State);
        Assert.Equal("provisioning", waiting.NextState);
        Assert.Equal(new Dictionary<string, List<int>> { ["node2"] = [2] }, waiting.Pending);

        _clock.Advance(TimeSpan.FromMinutes(5));
        var last = await Runs.CompleteAsync("run-1235", "node2", 2, "init", "provisioning");

        Assert.True(last.Moved);
        Assert.Equal(0, last.Remaining);
        var run = await Runs.GetAsync("run-1235");
        Assert.Equal("provisioning", run!.State);
        Assert.Equal(1, run.Epoch);
        Assert.Equal(SeedTopology(), run.Pending);
        Assert.Null(run.NextState);
        Assert.Equal(_clock.Now, run.StateAt);
        Assert.Equal(last.Run.ModRevision, run.ModRevision);
    }

    [Fact]
    public async Task TheSameCompletionTwice_IsAlreadyCompleted_AndWritesNothing()
    {
        await CreateAsync("run-1235");
        var first = await Runs.CompleteAsync("run-1235", "node1", 2, "init", "provisioning");
        var revision = await RevisionAsync();

        var again = await Runs.CompleteAsync("run-1235", "node1", 2, "init", "provisioning");

        Assert.True(again.AlreadyCompleted);
        Assert.False(again.Moved);
        Assert.Equal(3, again.Remaining);
        Assert.Equal(first.Run.ModRevision, again.Run.ModRevision);
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task ARetriedOldStateCompletion_AfterTheMove_IsRefused_AndChangesNothing()
    {
        await CreateAsync("run-1235");
        foreach (var (node, index) in SeedIndexes)
        {
            await Runs.CompleteAsync("run-1235", node, index, "init", "provisioning");
        }

        var moved = await Runs.GetAsync("run-1235");
        var revision = await RevisionAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => Runs.CompleteAsync("run-1235", "node1", 1, "init", "provisioning"));

        Assert.Contains("'provisioning'", e.Message);
        Assert.Contains("'init'", e.Message);
        var run = await Runs.GetAsync("run-1235");
        Assert.Equal(moved!.ModRevision, run!.ModRevision);
        Assert.Equal(SeedTopology(), run.Pending);
        Assert.Equal(revision, await RevisionAsync());
    }

    [Fact]
    public async Task FiftyCompletersWithRetries_MoveEachOfAHundredRunsExactlyOnce()
    {
        const int RunCount = 100;
        var topology = new Dictionary<string, List<int>> { ["a"] = [0, 1, 2], ["b"] = [0, 1, 2] };
        var start = await RevisionAsync() + 1;
        var ids = Enumerable.Range(0, RunCount).Select(i => $"run-{i:000}").ToList();
        await Task.WhenAll(ids.Select(id => CreateAsync(id, topology)));

        // Every completion twice (a retry), in random order, drained by 50 completers.
        var work = ids.SelectMany(id => topology.SelectMany(n => n.Value.Select(i => (Id: id, Node: n.Key, Index: i)))).ToList();
        work.AddRange(work);
        var shuffled = new ConcurrentQueue<(string Id, string Node, int Index)>(work.OrderBy(_ => Random.Shared.Next()));
        var moves = new ConcurrentDictionary<string, int>();
        var retries = 0;
        var refusedAfterMove = 0;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            while (shuffled.TryDequeue(out var item))
            {
                try
                {
                    var answer = await Runs.CompleteAsync(item.Id, item.Node, item.Index, "init", "provisioning");
                    if (answer.Moved)
                    {
                        moves.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
                    }
                    else if (answer.AlreadyCompleted)
                    {
                        Interlocked.Increment(ref retries);
                    }
                }
                catch (ConflictException e) when (e.Message.Contains("'provisioning', not 'init'", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refusedAfterMove); // the retry came after the move: refused
                }
            }
        })));

        Assert.Equal(RunCount, moves.Count);
        Assert.All(moves, m => Assert.Equal(1, m.Value));
        Assert.Equal(RunCount * 6, retries + refusedAfterMove);
        var list = await Runs.ListAsync(limit: 1000);
        Assert.Equal(ids, list.Runs.Select(r => r.Id));
        Assert.All(list.Runs, run =>
        {
            Assert.Equal("provisioning", run.State);
            Assert.Equal(1, run.Epoch);
            Assert.Equal(topology, run.Pending);
        });

        // The history of each run: created, one barrier event per index but the last, then one move.
        using var timeout = Timeout();
        await Task.WhenAll(list.Runs.Select(async run =>
        {
            var events = new List<RunEventDto>();
            await foreach (var e in Runs.WatchAsync(run.Id, start, timeout.Token))
            {
                events.Add(e);
                if (e.Revision >= run.ModRevision)
                {
                    break;
                }
            }

            Assert.Equal(
                ["created", "barrier", "barrier", "barrier", "barrier", "barrier", "state"],
                events.Select(e => e.Type));
            Assert.Equal("init", events[^1].PreviousState);
            Assert.Equal("provisioning", events[^1].State);
            var completed = events.Where(e => e.Type == "barrier").Select(e => (e.Node, e.Index)).ToList();
            Assert.Equal(5, completed.Distinct().Count());
            Assert.Equal([5, 4, 3, 2, 1], events.Where(e => e.Type == "barrier").Select(e => e.Remaining ?? -1));
        }));
    }
}
