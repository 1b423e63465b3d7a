using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Runs;

/// <summary>What a run must look like (topology, graph, parameters), and the pure steps of its state machine. Every
/// check throws before anything is written.</summary>
internal static class RunRules
{
    /// <summary>The topology, checked and normalised (nodes in ordinal order, indexes sorted).</summary>
    /// <exception cref="InvalidArgumentException">Empty, a bad node name, a node without indexes, a negative or repeated
    /// index, or more than <paramref name="maxIndexes"/> indexes in all.</exception>
    public static Dictionary<string, List<int>> Topology(Dictionary<string, List<int>>? topology, int maxIndexes)
    {
        if (topology is null || topology.Count == 0)
        {
            throw new InvalidArgumentException("topology: a run needs at least one node, e.g. {\"node1\": [1, 2, 4], \"node2\": [2]}.");
        }

        var normal = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var total = 0L;
        foreach (var (node, indexes) in topology.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            CoordinationNames.Check("node name", node);
            if (indexes is null || indexes.Count == 0)
            {
                throw new InvalidArgumentException($"topology: node '{node}' has no index; give it at least one.");
            }

            var seen = new SortedSet<int>();
            foreach (var index in indexes)
            {
                if (index < 0)
                {
                    throw new InvalidArgumentException($"topology: node '{node}' has a negative index ({index}); indexes are 0 or more.");
                }

                if (!seen.Add(index))
                {
                    throw new InvalidArgumentException($"topology: node '{node}' lists index {index} twice.");
                }
            }

            total += seen.Count;
            if (total > maxIndexes)
            {
                throw new InvalidArgumentException($"topology: a run has at most {maxIndexes} node indexes in all.");
            }

            normal[node] = [.. seen];
        }

        return normal;
    }

    /// <summary>The graph (absent or empty: <see cref="RunGraphs.Default"/>), checked: state names valid, every target a
    /// state of the graph, no target twice.</summary>
    public static Dictionary<string, List<string>> Graph(Dictionary<string, List<string>>? graph)
    {
        if (graph is null || graph.Count == 0)
        {
            return RunGraphs.Default();
        }

        var normal = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (state, targets) in graph)
        {
            CoordinationNames.Check("state", state);
            var list = new List<string>();
            foreach (var target in targets ?? [])
            {
                if (target is null || !graph.ContainsKey(target))
                {
                    throw new InvalidArgumentException(
                        $"graph: '{state}' → '{target}' leads to a state the graph does not declare; add '{target}' as a key (with [] if it is final).");
                }

                if (list.Contains(target, StringComparer.Ordinal))
                {
                    throw new InvalidArgumentException($"graph: '{state}' lists '{target}' twice.");
                }

                list.Add(target);
            }

            normal[state] = list;
        }

        return normal;
    }

    /// <summary>Checks that <paramref name="state"/> is a state of <paramref name="graph"/>.</summary>
    public static string State(string field, string? state, Dictionary<string, List<string>> graph)
    {
        if (string.IsNullOrEmpty(state) || !graph.ContainsKey(state))
        {
            throw new InvalidArgumentException(
                $"{field}: '{state}' is not a state of the run's graph ({string.Join(", ", graph.Keys.Select(s => $"'{s}'"))}).");
        }

        return state;
    }

    /// <summary>Node defaults (node → name → value), checked against the topology and the size limit.</summary>
    public static Dictionary<string, Dictionary<string, string>> NodeParameters(
        Dictionary<string, Dictionary<string, string>>? parameters, Dictionary<string, List<int>> topology, int maxBytes)
    {
        var normal = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (node, values) in parameters ?? [])
        {
            if (!topology.ContainsKey(node))
            {
                throw new InvalidArgumentException($"parameters: node '{node}' is not in the topology.");
            }

            normal[node] = Values("parameters", values, maxBytes);
        }

        return normal;
    }

    /// <summary>Name → value pairs, names and sizes checked.</summary>
    public static Dictionary<string, string> Values(string field, IEnumerable<KeyValuePair<string, string>>? values, int maxBytes)
    {
        var normal = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values ?? [])
        {
            CoordinationNames.Check("parameter name", name);
            normal[name] = Value(value ?? throw new InvalidArgumentException($"{field}: parameter '{name}' has no value."), maxBytes);
        }

        return normal;
    }

    /// <summary>Checks a parameter value's size.</summary>
    /// <exception cref="LimitExceededException">Over <paramref name="maxBytes"/> UTF-8 bytes.</exception>
    public static string Value(string value, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > maxBytes)
        {
            throw new LimitExceededException("value", bytes, maxBytes, $"A parameter value is at most {maxBytes} bytes (UTF-8); this one is {bytes}.");
        }

        return value;
    }

    /// <summary>Checks an index: 0 or more.</summary>
    public static int Index(int index) =>
        index >= 0 ? index : throw new InvalidArgumentException($"An index is 0 or more; got {index}.");

    /// <summary>True when <paramref name="state"/> has no outgoing transition.</summary>
    public static bool IsFinal(Dictionary<string, List<string>> graph, string state) =>
        !graph.TryGetValue(state, out var targets) || targets.Count == 0;

    /// <summary>The barrier of a state: every index of the topology (none in a final state).</summary>
    public static Dictionary<string, List<int>> Barrier(Dictionary<string, List<int>> topology, bool final) =>
        final ? [] : topology.ToDictionary(p => p.Key, p => new List<int>(p.Value), StringComparer.Ordinal);

    /// <summary>How many indexes the barrier still waits for.</summary>
    public static int Remaining(RunDto run) => run.Pending.Values.Sum(l => l.Count);

    /// <summary>Serialises a run for its key (the revisions are the key's, not the value's).</summary>
    public static byte[] Encode(RunDto run)
    {
        var (create, mod) = (run.CreateRevision, run.ModRevision);
        run.CreateRevision = 0;
        run.ModRevision = 0;
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(run, WireJson.Options);
        }
        finally
        {
            (run.CreateRevision, run.ModRevision) = (create, mod);
        }
    }

    /// <summary>The run stored in <paramref name="kv"/>, with the key's revisions.</summary>
    /// <exception cref="CorruptException">The value is not a run.</exception>
    public static RunDto Decode(KeyValue kv)
    {
        RunDto? run;
        try
        {
            run = JsonSerializer.Deserialize<RunDto>(kv.Value.Span, WireJson.Options);
        }
        catch (JsonException e)
        {
            throw new CorruptException($"The run record '{kv.Key}' is not a run: {e.Message}");
        }

        if (run is null)
        {
            throw new CorruptException($"The run record '{kv.Key}' is empty.");
        }

        run.CreateRevision = kv.CreateRevision;
        run.ModRevision = kv.ModRevision;
        return run;
    }
}
