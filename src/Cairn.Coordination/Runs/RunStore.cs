using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

/// <summary>
/// zookeeper-exp1's runs on the keyspace: a run's whole state (state, epoch, topology, graph, barrier) is one key, so
/// every completion is one compare-and-set of it: the last completion of a barrier moves the state and re-arms the
/// barrier in the same transaction, and a reader always sees the old state or the new one. Parameters are keys of their
/// own, each change a revision that its watchers see in order.
/// </summary>
public sealed class RunStore(IKeyspace store, RunOptions? options = null, TimeProvider? time = null)
{
    private readonly IKeyspace _store = store;
    private readonly RunOptions _options = options ?? new RunOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Where runs live: <c>/cairn/runs/&lt;id&gt;/run</c>, <c>…/param/&lt;name&gt;</c>,
    /// <c>…/param/&lt;node&gt;/&lt;index&gt;/&lt;name&gt;</c>.</summary>
    public const string Prefix = "/cairn/runs/";

    /// <summary>Creates a run once: a second create of the id is a <see cref="ConflictException"/>; an invalid topology,
    /// graph or name an <see cref="InvalidArgumentException"/>. Nothing is written when it fails.</summary>
    public Task<RunDto> CreateAsync(CreateRunDto request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Creates a run moved in from the original in the given state, epoch and barrier (<see cref="RunDto.Pending"/>),
    /// with its run-level parameters; once, as <see cref="CreateAsync"/>.</summary>
    public Task<RunDto> ImportAsync(RunDto run, IReadOnlyDictionary<string, string> runParameters, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The run, or null.</summary>
    public Task<RunDto?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Runs in id order, after <paramref name="after"/> (exclusive), at most <paramref name="limit"/>.</summary>
    public Task<RunListDto> ListAsync(string? after = null, int limit = 100, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Index <paramref name="index"/> of <paramref name="node"/> completed <paramref name="current"/>: idempotent per
    /// index and state; the last completion moves the run to <paramref name="next"/>.</summary>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="ConflictException">The run is not in <paramref name="current"/> (the message names both states), or
    /// earlier completions of this state asked for another next state.</exception>
    /// <exception cref="InvalidTransitionException"><paramref name="current"/> → <paramref name="next"/> is not in the graph.</exception>
    public Task<RunCompletionDto> CompleteAsync(string id, string node, int index, string current, string next, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes the run and its parameters in one revision; false when there was none.</summary>
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>A parameter of the run (<paramref name="node"/> and <paramref name="index"/> null) or of one index: its own
    /// value, else the node's, else the default; <see cref="RunParameterDto.Source"/> says which.</summary>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    public Task<RunParameterDto> GetParameterAsync(string id, string? node, int? index, string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Sets a parameter, if <paramref name="ifModRevision"/> (when given) matches.</summary>
    /// <exception cref="NotFoundException">No such run, node or index.</exception>
    /// <exception cref="PreconditionFailedException"><paramref name="ifModRevision"/> does not match.</exception>
    /// <exception cref="LimitExceededException">The value is over <see cref="RunOptions.MaxParameterBytes"/> (413).</exception>
    public Task<RunParameterDto> SetParameterAsync(string id, string? node, int? index, string name, string value, long? ifModRevision = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Every parameter set on the run (run-level and per index), in key order.</summary>
    public Task<IReadOnlyList<RunParameterDto>> ListParametersAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The run's changes from <paramref name="fromRevision"/> (0: from now), in revision order, each with its
    /// revision, until cancelled or the run is deleted (a last <c>deleted</c> event).</summary>
    /// <exception cref="NotFoundException">(On the first MoveNext) no such run and <paramref name="fromRevision"/> is 0.</exception>
    public IAsyncEnumerable<RunEventDto> WatchAsync(string id, long fromRevision = 0, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
