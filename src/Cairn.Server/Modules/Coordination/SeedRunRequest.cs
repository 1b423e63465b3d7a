using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.ZooKeeper.Import;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// A run to create, as the seed's clients describe one to <c>POST /runs</c>: a <c>topology</c> (node → indexes, the
/// walkthrough's <c>{"node1" [1 2 4] "node2" [2]}</c>) or a <c>module</c> (the seed's
/// <c>{:nodes {"node1" {:multiplicity 3 :params {"p1" {:default "v"}}}}}</c>: indexes 1…multiplicity, each parameter's
/// default the node's value), in JSON or EDN.
/// </summary>
internal static class SeedRunRequest
{
    /// <summary>The create request for run <paramref name="id"/> from a topology or a module text (exactly one).</summary>
    /// <exception cref="InvalidArgumentException">Neither or both are given, or one is not of its shape.</exception>
    public static CreateRunDto From(string id, string? topology, string? module)
    {
        if (string.IsNullOrWhiteSpace(topology) == string.IsNullOrWhiteSpace(module))
        {
            throw new InvalidArgumentException("A run is created from 'topology' (node → indexes, e.g. {\"node1\":[1,2,4],\"node2\":[2]}) or from the seed's 'module' ({\"nodes\":{\"node1\":{\"multiplicity\":3}}}); give one of them.");
        }

        return !string.IsNullOrWhiteSpace(topology)
            ? new CreateRunDto { Id = id, Topology = Topology(Parse(topology, "'topology'")) }
            : FromModule(id, Parse(module!, "'module'"));
    }

    // JSON, else the seed's own notation (EDN), read by the importer's reader of the original's topology znodes, as a JSON
    // tree (keywords as their names: :nodes is "nodes").
    private static JsonNode? Parse(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = Edn.MaxDepth });
        }
        catch (JsonException)
        {
            // Not JSON: the seed's notation, then.
        }

        try
        {
            return Edn.ToJson(Edn.Read(text));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidArgumentException($"{what} is neither JSON nor the seed's notation (EDN such as {{\"node1\" [1 2 4] \"node2\" [2]}}): {ex.Message}");
        }
    }

    private static Dictionary<string, List<int>> Topology(JsonNode? node)
    {
        if (node is not JsonObject nodes)
        {
            throw new InvalidArgumentException("'topology' must be a map of node name → its indexes, e.g. {\"node1\":[1,2,4],\"node2\":[2]}.");
        }

        var topology = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (name, indexes) in nodes)
        {
            if (indexes is not JsonArray list)
            {
                throw new InvalidArgumentException($"'topology' gives node '{name}' something other than a list of indexes.");
            }

            topology[name] = [.. list.Select(i => Integer(i, $"an index of node '{name}'"))];
        }

        return topology;
    }

    private static CreateRunDto FromModule(string id, JsonNode? module)
    {
        if (module is not JsonObject root || root["nodes"] is not JsonObject nodes)
        {
            throw new InvalidArgumentException("'module' must be the seed's module: {\"nodes\": {\"<node>\": {\"multiplicity\": N, \"params\": {\"<param>\": {\"default\": \"…\"}}}}}.");
        }

        var request = new CreateRunDto { Id = id, Parameters = [] };
        foreach (var (name, value) in nodes)
        {
            if (value is not JsonObject node)
            {
                throw new InvalidArgumentException($"Node '{name}' of 'module' must be a map with 'multiplicity' (and 'params').");
            }

            var multiplicity = Integer(node["multiplicity"], $"the multiplicity of node '{name}'");
            if (multiplicity is < 1 or > 10_000)
            {
                throw new InvalidArgumentException($"The multiplicity of node '{name}' must be between 1 and 10000; got {multiplicity}.");
            }

            request.Topology[name] = [.. Enumerable.Range(1, multiplicity)];
            if (node["params"] is JsonObject parameters)
            {
                var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (parameter, spec) in parameters)
                {
                    if (Default(spec) is { } text)
                    {
                        defaults[parameter] = text;
                    }
                }

                if (defaults.Count > 0)
                {
                    request.Parameters[name] = defaults;
                }
            }
            else if (node["params"] is not null)
            {
                throw new InvalidArgumentException($"The params of node '{name}' must be a map of parameter name → {{\"default\": \"…\"}}.");
            }
        }

        return request;
    }

    // {"default": v, "desc": …} or [v, description] (the seed's two spellings); a parameter without one has no value yet.
    private static string? Default(JsonNode? spec) => spec switch
    {
        JsonObject o => o["default"] is { } d ? Text(d) : null,
        JsonArray { Count: > 0 } a => a[0] is { } d ? Text(d) : null,
        JsonValue v => Text(v),
        _ => null,
    };

    private static string Text(JsonNode value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();

    // A number read from JSON holds an element, one read from EDN a long: both are asked.
    private static int Integer(JsonNode? value, string what) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && (v.TryGetValue<int>(out var number) || (v.TryGetValue<long>(out var wide) && wide is >= int.MinValue and <= int.MaxValue && (number = (int)wide) == wide))
            ? number
            : throw new InvalidArgumentException($"{what} must be a whole number; got {value?.ToJsonString() ?? "nothing"}.");
}
