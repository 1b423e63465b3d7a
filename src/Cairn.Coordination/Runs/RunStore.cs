using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

/// <summary>
/// zookeeper-exp1's runs on the keyspace: a run's whole state (state, epoch, topology, graph, barrier) is one key, so
/// every completion is one compare-and-set of it: the last completion of a barrier moves the state and re-arms the
/// barrier in the same transaction, and a reader always sees the old state or the new one. Parameters are keys of their
/// own, each change a revision that its watchers see in order.
/// </summary>
/// <remarks>Concurrency: safe from any thread and from any number of processes on one keyspace; every step that could
/// race is one transaction.</remarks>
public sealed partial class RunStore(IKeyspace store, RunOptions? options = null, TimeProvider? time = null)
{
    /// <summary>Most operations an import writes in its one transaction (the run and its run-level parameters).</summary>
    public const int MaxImportOps = 100;

    private const int MaxListLimit = 1000;

    private readonly IKeyspace _store = store;
    private readonly RunOptions _options = options ?? new RunOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Where runs live: <c>/cairn/runs/&lt;id&gt;/run</c>, <c>…/param/&lt;name&gt;</c>,
    /// <c>…/param/&lt;node&gt;/&lt;index&gt;/&lt;name&gt;</c>.</summary>
    public const string Prefix = "/cairn/runs/";

    /// <summary>Creates a run once: a second create of the id is a <see cref="ConflictException"/>; an invalid topology,
    /// graph or name an <see cref="InvalidArgumentException"/>. Nothing is written when it fails.</summary>
    public async Task<RunDto> CreateAsync(CreateRunDto request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = CoordinationNames.Check("run id", request.Id);
        var topology = RunRules.Topology(request.Topology, _options.MaxIndexes);
        var graph = RunRules.Graph(request.Graph);
        var state = RunRules.State("initialState", request.InitialState ?? RunGraphs.InitialState, graph);
        var final = RunRules.IsFinal(graph, state);
        var now = _time.GetUtcNow();
        var run = new RunDto
        {
            Id = id,
            State = state,
            Epoch = 0,
            Topology = topology,
            Graph = graph,
            Pending = RunRules.Barrier(topology, final),
            Parameters = RunRules.NodeParameters(request.Parameters, topology, _options.MaxParameterBytes),
            Defaults = RunRules.Values("defaults", request.Defaults, _options.MaxParameterBytes),
            Final = final,
            CreatedAt = now,
            StateAt = now,
        };
        return await CreateOnceAsync(run, [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a run moved in from the original in the given state, epoch and barrier (<see cref="RunDto.Pending"/>),
    /// with its run-level parameters; once, as <see cref="CreateAsync"/>.</summary>
    /// <remarks>The run and its parameters are one transaction: more than <see cref="MaxImportOps"/> keys in all is an
    /// <see cref="InvalidArgumentException"/> (set the rest with <see cref="SetParameterAsync"/> afterwards). The barrier
    /// must be part of the topology, and empty exactly when the state is final; absent times are now.</remarks>
    public async Task<RunDto> ImportAsync(RunDto run, IReadOnlyDictionary<string, string> runParameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        runParameters ??= new Dictionary<string, string>();
        var id = CoordinationNames.Check("run id", run.Id);
        var topology = RunRules.Topology(run.Topology, _options.MaxIndexes);
        var graph = RunRules.Graph(run.Graph);
        var state = RunRules.State("state", run.State, graph);
        var final = RunRules.IsFinal(graph, state);
        if (run.Epoch < 0)
        {
            throw new InvalidArgumentException($"epoch: {run.Epoch} is negative.");
        }

        var pending = ImportedBarrier(run.Pending, topology);
        if (final && pending.Count > 0)
        {
            throw new InvalidArgumentException($"pending: '{state}' is final, so no index can be pending in it.");
        }

        if (!final && pending.Count == 0)
        {
            throw new InvalidArgumentException($"pending: '{state}' is not final, so some index must still be pending (all of them to re-arm the barrier).");
        }

        if (run.NextState is not null && !graph[state].Contains(run.NextState, StringComparer.Ordinal))
        {
            throw new InvalidTransitionException(state, run.NextState);
        }

        var parameters = RunRules.Values("runParameters", runParameters, _options.MaxParameterBytes);
        if (1 + parameters.Count > MaxImportOps)
        {
            throw new InvalidArgumentException(
                $"runParameters: an import writes the run and its parameters in one transaction of at most {MaxImportOps} keys; " +
                $"this one has {parameters.Count} parameters. Import with fewer and set the rest afterwards.");
        }

        var now = _time.GetUtcNow();
        var imported = new RunDto
        {
            Id = id,
            State = state,
            Epoch = run.Epoch,
            Topology = topology,
            Graph = graph,
            Pending = pending,
            NextState = run.NextState,
            Parameters = RunRules.NodeParameters(run.Parameters, topology, _options.MaxParameterBytes),
            Defaults = RunRules.Values("defaults", run.Defaults, _options.MaxParameterBytes),
            Final = final,
            CreatedAt = run.CreatedAt == default ? now : run.CreatedAt,
            StateAt = run.StateAt == default ? now : run.StateAt,
        };
        var puts = parameters.Select(p => (KvRequest)new PutRequest(RunKeys.Param(id, null, null, p.Key), Encoding.UTF8.GetBytes(p.Value))).ToList();
        return await CreateOnceAsync(imported, puts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the run existed at store revision <paramref name="revision"/> (false for a revision below 1 or
    /// below the compaction point): a stream resumed after it replays the run's changes, its deletion included.</summary>
    public async Task<bool> ExistedAtAsync(string id, long revision, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        if (revision < 1)
        {
            return false;
        }

        try
        {
            var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(RunKeys.Run(id))) { Revision = revision, CountOnly = true }, cancellationToken).ConfigureAwait(false);
            return read.Count > 0;
        }
        catch (CompactedException)
        {
            return false;
        }
    }

    /// <summary>The run, or null.</summary>
    public async Task<RunDto?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        var kv = await ReadRunAsync(id, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : RunRules.Decode(kv);
    }

    /// <summary>Runs in key order, after <paramref name="after"/> (exclusive), at most <paramref name="limit"/> (1–1000).</summary>
    /// <remarks>Key order is the order of <c>id + "/"</c> by UTF-8 bytes: id order, except that an id sorts after the
    /// ids that extend it with a space, <c>-</c> or <c>.</c> (<c>a-b</c> before <c>a</c>). Pages follow each other
    /// without gaps. The page is read at one revision (<see cref="RunListDto.Revision"/>).</remarks>
    public async Task<RunListDto> ListAsync(string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > MaxListLimit)
        {
            throw new InvalidArgumentException($"limit: between 1 and {MaxListLimit}; got {limit}.");
        }

        var end = Keys.PrefixEnd(Prefix)!;
        var from = string.IsNullOrEmpty(after) ? Prefix : Keys.PrefixEnd(RunKeys.Of(CoordinationNames.Check("run id", after)))!;
        var revision = 0L;
        var ids = new List<string>();

        // The run keys are mixed with their runs' parameters ('param/…' sorts before 'run'): read keys only, a page at a
        // time, and from a page that ends inside a run's parameters jump straight to that run's record.
        while (ids.Count < limit && string.CompareOrdinal(from, end) < 0)
        {
            var page = await _store.RangeAsync(
                new RangeRequest(KeyRange.Between(from, end)) { KeysOnly = true, Limit = 256, Revision = revision },
                cancellationToken).ConfigureAwait(false);
            revision = page.Revision;
            foreach (var kv in page.Kvs)
            {
                var id = RunKeys.IdOf(kv.Key);
                if (id is not null && RunKeys.IsRun(kv.Key, id) && ids.Count < limit)
                {
                    ids.Add(id);
                }
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            var last = page.Kvs[^1].Key;
            var lastId = RunKeys.IdOf(last);
            from = lastId is null ? last + "\u0001"
                : string.CompareOrdinal(last, RunKeys.Run(lastId)) < 0 ? RunKeys.Run(lastId)
                : Keys.PrefixEnd(RunKeys.Of(lastId))!;
        }

        var runs = new List<RunDto>(ids.Count);
        foreach (var chunk in ids.Chunk(64))
        {
            var read = await _store.TxnAsync(
                new TxnRequest([], [.. chunk.Select(id => (KvRequest)new RangeRequest(KeyRange.Single(RunKeys.Run(id))) { Revision = revision })], []),
                cancellationToken).ConfigureAwait(false);
            runs.AddRange(read.Results.Cast<RangeResult>().SelectMany(r => r.Kvs).Select(RunRules.Decode));
        }

        return new RunListDto { Runs = runs, Revision = revision };
    }

    /// <summary>Deletes the run and its parameters in one revision; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("run id", id);
        var result = await _store.DeleteAsync(new DeleteRequest(KeyRange.Prefix(RunKeys.Of(id))), cancellationToken).ConfigureAwait(false);
        return result.Deleted > 0;
    }

    private async Task<RunDto> CreateOnceAsync(RunDto run, IReadOnlyList<KvRequest> more, CancellationToken cancellationToken)
    {
        var key = RunKeys.Run(run.Id);
        var result = await _store.TxnAsync(
            new TxnRequest([Compare.CreateRevision(key, CompareResult.Equal, 0)], [new PutRequest(key, RunRules.Encode(run)), .. more], []),
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ConflictException($"Run '{run.Id}' exists already; delete it first to create it anew.");
        }

        run.CreateRevision = result.Revision;
        run.ModRevision = result.Revision;
        return run;
    }

    private async Task<KeyValue?> ReadRunAsync(string id, CancellationToken cancellationToken)
    {
        var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(RunKeys.Run(id))), cancellationToken).ConfigureAwait(false);
        return read.Kvs.Count == 0 ? null : read.Kvs[0];
    }

    private static Dictionary<string, List<int>> ImportedBarrier(Dictionary<string, List<int>>? pending, Dictionary<string, List<int>> topology)
    {
        var normal = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (node, indexes) in (pending ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!topology.TryGetValue(node, out var all))
            {
                throw new InvalidArgumentException($"pending: node '{node}' is not in the topology.");
            }

            var seen = new SortedSet<int>();
            foreach (var index in indexes ?? [])
            {
                if (all.BinarySearch(index) < 0)
                {
                    throw new InvalidArgumentException($"pending: node '{node}' has no index {index} in the topology.");
                }

                if (!seen.Add(index))
                {
                    throw new InvalidArgumentException($"pending: node '{node}' lists index {index} twice.");
                }
            }

            if (seen.Count > 0)
            {
                normal[node] = [.. seen];
            }
        }

        return normal;
    }

    private static NotFoundException NoSuchRun(string id) => new($"There is no run '{id}'.");
}
