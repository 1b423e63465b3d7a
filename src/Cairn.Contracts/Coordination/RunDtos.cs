namespace Cairn.Contracts;

/// <summary>
/// A run of zookeeper-exp1's run state machine, as <c>/v1/runs</c> answers it: its topology (node name → instance
/// indexes), its state in a declared transition graph, and the barrier of the current state (the indexes that have not
/// completed it yet). Stored as one JSON value under <c>/cairn/runs/&lt;id&gt;/run</c>, so a reader always sees a whole
/// state: the old one or the new one.
/// </summary>
public sealed class RunDto
{
    /// <summary>The run id: 1–128 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c> (not <c>.</c> or <c>..</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The current state.</summary>
    public string State { get; set; } = "";

    /// <summary>How many transitions the run has made (0 while in its initial state).</summary>
    public long Epoch { get; set; }

    /// <summary>Node name → its instance indexes (non-negative, distinct, sorted).</summary>
    public Dictionary<string, List<int>> Topology { get; set; } = [];

    /// <summary>The transition graph: state → the states it may move to. A state with no entry, or an empty list, is final.</summary>
    public Dictionary<string, List<string>> Graph { get; set; } = [];

    /// <summary>The barrier: node → the indexes that have not completed <see cref="State"/> yet (only nodes with some).
    /// Empty in a final state.</summary>
    public Dictionary<string, List<int>> Pending { get; set; } = [];

    /// <summary>The state the completions of the current state asked for (set by the first completion of the state, which
    /// every later one must agree with); null before any.</summary>
    public string? NextState { get; set; }

    /// <summary>Node → parameter name → value: the values every index of that node reads until one is set for it.</summary>
    public Dictionary<string, Dictionary<string, string>> Parameters { get; set; } = [];

    /// <summary>Parameter name → value that every index of every node reads until its node's or its own is set.</summary>
    public Dictionary<string, string> Defaults { get; set; } = [];

    /// <summary>True when <see cref="State"/> has no outgoing transition.</summary>
    public bool Final { get; set; }

    /// <summary>When the run was created (UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it entered its current state (UTC).</summary>
    public DateTimeOffset StateAt { get; set; }

    /// <summary>The store revision that created the run.</summary>
    public long CreateRevision { get; set; }

    /// <summary>The store revision of the run's last change (state or barrier).</summary>
    public long ModRevision { get; set; }
}

/// <summary>The body of <c>POST /v1/runs</c>.</summary>
public sealed class CreateRunDto
{
    /// <summary>See <see cref="RunDto.Id"/>.</summary>
    public string Id { get; set; } = "";

    /// <summary>Node → instance indexes; at least one node, each with at least one index, none negative or repeated.</summary>
    public Dictionary<string, List<int>> Topology { get; set; } = [];

    /// <summary>A transition graph of the run's own; absent: <see cref="RunGraphs.Default"/>.</summary>
    public Dictionary<string, List<string>>? Graph { get; set; }

    /// <summary>The initial state; absent: <c>init</c> (it must be a state of the graph).</summary>
    public string? InitialState { get; set; }

    /// <summary>See <see cref="RunDto.Parameters"/>.</summary>
    public Dictionary<string, Dictionary<string, string>>? Parameters { get; set; }

    /// <summary>See <see cref="RunDto.Defaults"/>.</summary>
    public Dictionary<string, string>? Defaults { get; set; }
}

/// <summary>The body of <c>POST /v1/runs/{id}/nodes/{node}/{index}/complete</c>: index <c>index</c> of node <c>node</c> has
/// completed <see cref="Current"/>, and the run is to move to <see cref="Next"/> once every index has.</summary>
public sealed class CompleteRunDto
{
    /// <summary>The state the caller completed; another current state is a conflict (409) naming both.</summary>
    public string Current { get; set; } = "";

    /// <summary>The state to move to; not a transition of the graph: 422.</summary>
    public string Next { get; set; } = "";
}

/// <summary>The answer to a completion.</summary>
public sealed class RunCompletionDto
{
    /// <summary>The run after the completion (in <see cref="CompleteRunDto.Next"/> when this completion moved it).</summary>
    public RunDto Run { get; set; } = new();

    /// <summary>True when this completion was the last of the barrier and moved the run (exactly one completion per
    /// transition sees true).</summary>
    public bool Moved { get; set; }

    /// <summary>True when this index had already completed this state: nothing was written (a retry).</summary>
    public bool AlreadyCompleted { get; set; }

    /// <summary>How many indexes have still to complete the state the caller completed: 0 when <see cref="Moved"/>.</summary>
    public int Remaining { get; set; }
}

/// <summary>A run parameter: of the run (<see cref="Node"/> null) or of one node index.</summary>
public sealed class RunParameterDto
{
    /// <summary>The run.</summary>
    public string Run { get; set; } = "";

    /// <summary>The node; null for a run-level parameter.</summary>
    public string? Node { get; set; }

    /// <summary>The index; null for a run-level parameter.</summary>
    public int? Index { get; set; }

    /// <summary>The parameter's name: 1–128 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>:</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The value (UTF-8 text); null when the parameter has none.</summary>
    public string? Value { get; set; }

    /// <summary>Where the value comes from: <c>set</c> (its own key), <c>node</c> (the node's value given at create),
    /// <c>default</c> (the run's default), or <c>none</c>.</summary>
    public string Source { get; set; } = "none";

    /// <summary>The mod revision of its own key (0 when not set): the compare-and-set token for <c>If-Match</c>.</summary>
    public long ModRevision { get; set; }

    /// <summary>How many times it was set (0 when not set).</summary>
    public long Version { get; set; }
}

/// <summary>The body of a parameter write.</summary>
public sealed class SetRunParameterDto
{
    /// <summary>The new value.</summary>
    public string Value { get; set; } = "";

    /// <summary>Write only if the parameter's mod revision is this (0: only if it was never set); absent: always.</summary>
    public long? IfModRevision { get; set; }
}

/// <summary>One change of a run, as its stream (SSE or WebSocket) carries it. Every event carries the store revision of
/// the change; a stream resumed from revision r+1 misses nothing after r.</summary>
public sealed class RunEventDto
{
    /// <summary>One of <see cref="RunEventTypes"/>.</summary>
    public string Type { get; set; } = "";

    /// <summary>The store revision of the change.</summary>
    public long Revision { get; set; }

    /// <summary>The run.</summary>
    public string Run { get; set; } = "";

    /// <summary>For <c>state</c> (and <c>created</c>): the new state.</summary>
    public string? State { get; set; }

    /// <summary>For <c>state</c>: the state it left.</summary>
    public string? PreviousState { get; set; }

    /// <summary>For <c>state</c>, <c>created</c>, <c>barrier</c>: the run's epoch.</summary>
    public long? Epoch { get; set; }

    /// <summary>For <c>barrier</c>: the index that completed; for <c>parameter</c> of a node index: its node.</summary>
    public string? Node { get; set; }

    /// <summary>For <c>barrier</c> and node parameters: the index.</summary>
    public int? Index { get; set; }

    /// <summary>For <c>parameter</c>: its name.</summary>
    public string? Name { get; set; }

    /// <summary>For <c>parameter</c>: the new value (null when deleted).</summary>
    public string? Value { get; set; }

    /// <summary>For <c>barrier</c>: how many indexes are still pending.</summary>
    public int? Remaining { get; set; }
}

/// <summary>The values of <see cref="RunEventDto.Type"/>.</summary>
public static class RunEventTypes
{
    /// <summary>The run was created.</summary>
    public const string Created = "created";

    /// <summary>The run moved to a new state.</summary>
    public const string State = "state";

    /// <summary>An index completed the current state, which has not moved yet.</summary>
    public const string Barrier = "barrier";

    /// <summary>A parameter was set.</summary>
    public const string Parameter = "parameter";

    /// <summary>The run was deleted; the stream ends after it.</summary>
    public const string Deleted = "deleted";
}

/// <summary>A page of runs.</summary>
public sealed class RunListDto
{
    /// <summary>The runs, in id order.</summary>
    public List<RunDto> Runs { get; set; } = [];

    /// <summary>The store revision read.</summary>
    public long Revision { get; set; }
}

/// <summary>The transition graphs Cairn knows.</summary>
public static class RunGraphs
{
    /// <summary>The initial state of the default graph.</summary>
    public const string InitialState = "init";

    /// <summary>
    /// zookeeper-exp1's graph (<c>valid-transitions</c>), with one change: <c>ready</c> may also move to
    /// <c>finalyzing</c>, which the original declared but nothing reached, so no run could ever terminate.
    /// </summary>
    public static Dictionary<string, List<string>> Default() => new()
    {
        ["init"] = ["provisioning"],
        ["provisioning"] = ["executing"],
        ["executing"] = ["sending report"],
        ["sending report"] = ["ready"],
        ["ready"] = ["provisioning", "finalyzing"],
        ["finalyzing"] = ["terminated"],
        ["terminated"] = [],
    };
}

/// <summary>The body of <c>POST /v1/runs/import</c>: a run moved in from the original (read from its ZooKeeper layout),
/// created once in the state and barrier it had there.</summary>
public sealed class ImportRunDto
{
    /// <summary>The run: id, topology, state, epoch, pending barrier (graph, parameters and defaults as for a create).</summary>
    public RunDto Run { get; set; } = new();

    /// <summary>Its run-level parameters (the original's other children of <c>/runs/&lt;id&gt;</c>), name → value.</summary>
    public Dictionary<string, string>? Parameters { get; set; }
}
