using System.Globalization;
using System.Text;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// Reads the runs of zookeeper-exp1's run state machine (its <c>run-state-machine</c> namespace) into
/// <see cref="OriginalRun"/> records, for the runs module to take over.
/// </summary>
/// <remarks>
/// <para>The original's layout under <c>/runs/&lt;run-id&gt;</c> (all znodes persistent, all text UTF-8):</para>
/// <list type="bullet">
/// <item><c>state</c>: the current state, e.g. <c>init</c> (the initial one), written last when a run is created or
/// moves on. Clients watched its data to learn of a transition (no polling).</item>
/// <item><c>topology</c>: the node topology, <c>prn-str</c> of a Clojure map of node name → vector of instance
/// indexes, e.g. <c>{"node1" [1 2 4], "node2" [2]}</c>.</item>
/// <item><c>nodes/&lt;node&gt;/&lt;index&gt;</c>: the barrier. Each is created for every instance of the topology
/// when the run enters a state; an instance that completes the state deletes its index znode, and the last of a node
/// deletes <c>nodes/&lt;node&gt;</c>. When <c>nodes</c> has no children every instance is done: the completing
/// client writes the next state into <c>transition</c> (and registers the transaction under
/// <c>/buddy-circle/transactions/&lt;member&gt;/&lt;run-id&gt;</c>, so that its buddy finishes it if it dies),
/// recreates the index znodes from <c>topology</c>, deletes <c>transition</c> and sets <c>state</c>.</item>
/// <item><c>transition</c>: exists only during that move; its text is the next state.</item>
/// <item>any other child: a run parameter, its text the value (the websocket service pushed the new value of
/// <c>/runs/&lt;run-id&gt;/&lt;param&gt;</c> when its data changed; <c>state</c> was read the same way).</item>
/// </list>
/// </remarks>
public sealed class RunLayoutReader
{
    /// <summary>The original's root of all runs.</summary>
    public const string Root = "/runs";

    private const string StateName = "state";
    private const string TopologyName = "topology";
    private const string NodesName = "nodes";
    private const string TransitionName = "transition";

    private readonly IZNodeSource _source;

    /// <summary>A reader of the original's znodes through <paramref name="client"/> (connected with the chroot the original
    /// used, if any: <c>/runs</c> is read below it).</summary>
    /// <param name="client">A connected client; the reader only reads, and does not dispose it.</param>
    public RunLayoutReader(ZooKeeperClient client)
        : this(new ZooKeeperClientSource(client))
    {
    }

    internal RunLayoutReader(IZNodeSource source) => _source = source;

    /// <summary>The run <paramref name="runId"/>, or null when there is none. Throws
    /// <see cref="OriginalLayoutException"/> when its znodes do not hold the original's layout.</summary>
    public async Task<OriginalRun?> ReadAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        if (runId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A run id is one znode name; '{runId}' contains '/'.", nameof(runId));
        }

        var path = $"{Root}/{runId}";
        var children = await _source.GetChildrenAsync(path, cancellationToken).ConfigureAwait(false);
        if (children is null)
        {
            return null;
        }

        string? state = null;
        string? transition = null;
        IReadOnlyDictionary<string, IReadOnlyList<int>> topology = new Dictionary<string, IReadOnlyList<int>>();
        var pending = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in children)
        {
            var childPath = $"{path}/{child}";
            switch (child)
            {
                case StateName:
                    state = await TextAsync(childPath, cancellationToken).ConfigureAwait(false);
                    break;
                case TransitionName:
                    transition = await TextAsync(childPath, cancellationToken).ConfigureAwait(false);
                    break;
                case TopologyName:
                    topology = Topology(childPath, await TextAsync(childPath, cancellationToken).ConfigureAwait(false));
                    break;
                case NodesName:
                    await ReadPendingAsync(childPath, pending, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (await TextAsync(childPath, cancellationToken).ConfigureAwait(false) is { } value)
                    {
                        parameters[child] = value;
                    }

                    break;
            }
        }

        return new OriginalRun(runId, state, transition, topology, pending, parameters);
    }

    /// <summary>Every run under <see cref="Root"/> (none when it does not exist), in run-id order; a run whose znodes do
    /// not hold the original's layout is in <see cref="OriginalRuns.Unreadable"/>, and the others are read.</summary>
    public async Task<OriginalRuns> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var runs = new List<OriginalRun>();
        var unreadable = new List<OriginalLayoutException>();
        var ids = await _source.GetChildrenAsync(Root, cancellationToken).ConfigureAwait(false) ?? [];
        foreach (var id in ids.Order(StringComparer.Ordinal))
        {
            try
            {
                if (await ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } run)
                {
                    runs.Add(run);
                }
            }
            catch (OriginalLayoutException ex)
            {
                unreadable.Add(ex);
            }
        }

        return new OriginalRuns(runs, unreadable);
    }

    private async Task ReadPendingAsync(string nodesPath, Dictionary<string, IReadOnlyList<int>> pending, CancellationToken cancellationToken)
    {
        foreach (var node in (await _source.GetChildrenAsync(nodesPath, cancellationToken).ConfigureAwait(false) ?? []).Order(StringComparer.Ordinal))
        {
            var nodePath = $"{nodesPath}/{node}";
            var indexes = new List<int>();
            foreach (var index in await _source.GetChildrenAsync(nodePath, cancellationToken).ConfigureAwait(false) ?? [])
            {
                indexes.Add(int.TryParse(index, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)
                    ? i
                    : throw new OriginalLayoutException($"{nodePath}/{index}", "an instance's index znode whose name is not an integer."));
            }

            // A node whose last instance just completed may linger for a moment without children: nothing is pending.
            if (indexes.Count > 0)
            {
                indexes.Sort();
                pending[node] = indexes;
            }
        }
    }

    private async Task<string?> TextAsync(string path, CancellationToken cancellationToken) =>
        await _source.GetDataAsync(path, cancellationToken).ConfigureAwait(false) is { } node
            ? Encoding.UTF8.GetString(node.Data.Span)
            : null;

    // The topology map: each key as the original named its node znode (Clojure's str of it), each value a collection of
    // integer instance indexes.
    private static Dictionary<string, IReadOnlyList<int>> Topology(string path, string? text)
    {
        var topology = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return topology;
        }

        object? value;
        try
        {
            value = Edn.Read(text);
        }
        catch (InvalidDataException ex)
        {
            throw new OriginalLayoutException(path, $"not an EDN map of node → instance indexes: {ex.Message}", ex);
        }

        if (value is not List<KeyValuePair<object?, object?>> map)
        {
            throw new OriginalLayoutException(path, "not an EDN map of node → instance indexes.");
        }

        foreach (var (key, instances) in map)
        {
            string name;
            try
            {
                name = Edn.Str(key);
            }
            catch (InvalidDataException)
            {
                throw new OriginalLayoutException(path, "a node name that is a collection.");
            }

            if (instances is not List<object?> list || list.Any(i => i is not long n || n is < int.MinValue or > int.MaxValue))
            {
                throw new OriginalLayoutException(path, $"the instances of node '{name}' are not a collection of integers.");
            }

            topology[name] = list.Select(i => (int)(long)i!).ToList();
        }

        return topology;
    }
}
