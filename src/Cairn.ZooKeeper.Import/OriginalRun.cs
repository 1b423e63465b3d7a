namespace Cairn.ZooKeeper.Import;

/// <summary>One run of zookeeper-exp1's run state machine, as its znodes under <c>/runs/&lt;run-id&gt;</c> hold it.</summary>
/// <param name="RunId">The run id (the znode's name).</param>
/// <param name="State">The current state: the text of <c>state</c> (<c>init</c> when created); null when the run has
/// no state znode yet (it was being created).</param>
/// <param name="TransitionTo">While the run moves to its next state, that state (the text of <c>transition</c>); null
/// otherwise. The original refused to report the state or complete an instance while it existed.</param>
/// <param name="Topology">Node name → the instance indexes it has (<c>topology</c>, an EDN map written by
/// <c>prn-str</c>, e.g. <c>{"node1" [1 2 4], "node2" [2]}</c>); names as the original named their znodes.</param>
/// <param name="Pending">Node name → the instances that have not completed the current state yet (the index znodes
/// left under <c>nodes/&lt;node&gt;</c>); only nodes with pending instances. Empty: every instance is done, the barrier
/// is passed.</param>
/// <param name="Parameters">The run parameters: every other child of the run, name → its text (what the original's
/// websocket service pushed when it changed).</param>
public sealed record OriginalRun(
    string RunId,
    string? State,
    string? TransitionTo,
    IReadOnlyDictionary<string, IReadOnlyList<int>> Topology,
    IReadOnlyDictionary<string, IReadOnlyList<int>> Pending,
    IReadOnlyDictionary<string, string> Parameters);
