using System.Globalization;

namespace Cairn.Coordination.Runs;

/// <summary>The keys of a run: <c>/cairn/runs/&lt;id&gt;/run</c> (the whole <c>RunDto</c>), <c>…/param/&lt;name&gt;</c>
/// (run-level parameters) and <c>…/param/&lt;node&gt;/&lt;index&gt;/&lt;name&gt;</c> (per index). Every name is one key
/// segment (<see cref="CoordinationNames"/>), so a key parses back unambiguously.</summary>
internal static class RunKeys
{
    private const string RunLeaf = "run";
    private const string ParamSegment = "param/";

    /// <summary>Every key of the run: <c>/cairn/runs/&lt;id&gt;/</c>.</summary>
    public static string Of(string id) => RunStore.Prefix + id + "/";

    /// <summary>The run's record.</summary>
    public static string Run(string id) => Of(id) + RunLeaf;

    /// <summary>Every parameter of the run.</summary>
    public static string Params(string id) => Of(id) + ParamSegment;

    /// <summary>A run-level parameter (<paramref name="node"/> null) or one of a node index.</summary>
    public static string Param(string id, string? node, int? index, string name) =>
        node is null ? Params(id) + name : $"{Params(id)}{node}/{index!.Value.ToString(CultureInfo.InvariantCulture)}/{name}";

    /// <summary>The run id of a key under <see cref="RunStore.Prefix"/>; null for a key that is not a run's.</summary>
    public static string? IdOf(string key)
    {
        if (!key.StartsWith(RunStore.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = key.IndexOf('/', RunStore.Prefix.Length);
        return slash <= RunStore.Prefix.Length ? null : key[RunStore.Prefix.Length..slash];
    }

    /// <summary>True when <paramref name="key"/> is the record of run <paramref name="id"/>.</summary>
    public static bool IsRun(string key, string id) =>
        key.Length == RunStore.Prefix.Length + id.Length + 1 + RunLeaf.Length && key == Run(id);

    /// <summary>Parses a parameter key of run <paramref name="id"/>; false for any other key.</summary>
    public static bool TryParseParam(string id, string key, out string? node, out int? index, out string name)
    {
        node = null;
        index = null;
        name = "";
        var prefix = Params(id);
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = key[prefix.Length..].Split('/');
        switch (parts.Length)
        {
            case 1 when parts[0].Length > 0:
                name = parts[0];
                return true;
            case 3 when parts[0].Length > 0 && parts[2].Length > 0
                        && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i):
                node = parts[0];
                index = i;
                name = parts[2];
                return true;
            default:
                return false;
        }
    }
}
