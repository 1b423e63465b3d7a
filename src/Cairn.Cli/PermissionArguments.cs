using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary>
/// A permission as typed on the command line: <c>RESOURCE ACTIONS [KEY] [--prefix | --range-end END]</c>. ACTIONS is a
/// comma-separated list of the resource's actions or <c>*</c>; for a resource with <c>read</c> and <c>write</c>,
/// etcdctl's <c>readwrite</c> (and <c>rw</c>) means both. Checked here, against <see cref="AuthResources"/>, so a typo is
/// caught before anything is sent.
/// </summary>
internal static class PermissionArguments
{
    public static PermissionDto Parse(string resource, string actions, string? key, bool prefix, string? rangeEnd)
    {
        resource = resource.Trim().ToLowerInvariant();
        if (!AuthResources.Actions.TryGetValue(resource, out var known))
        {
            throw new ArgumentException($"Unknown resource '{resource}'; one of {string.Join(", ", AuthResources.Actions.Keys)}.");
        }

        var list = ParseActions(resource, actions, known);
        if (AuthResources.Unnamed.Contains(resource))
        {
            if (key is { Length: > 0 } || prefix || rangeEnd is not null)
            {
                throw new ArgumentException($"Resource '{resource}' takes no KEY, --prefix or --range-end: a permission on it covers all of it.");
            }

            return new PermissionDto { Resource = resource, Actions = list };
        }

        if (key is null)
        {
            throw new ArgumentException($"Resource '{resource}' needs a KEY (a name, or a prefix with --prefix; \"\" --prefix is every name).");
        }

        if (rangeEnd is not null)
        {
            if (resource != AuthResources.Kv)
            {
                throw new ArgumentException($"--range-end is for kv only; '{resource}' permissions are by name or prefix (--prefix).");
            }

            if (prefix)
            {
                throw new ArgumentException("Give either --prefix or --range-end, not both.");
            }
        }

        return new PermissionDto { Resource = resource, Actions = list, Key = key, Prefix = prefix, RangeEnd = rangeEnd };
    }

    private static List<string> ParseActions(string resource, string text, IReadOnlyList<string> known)
    {
        var words = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => w.ToLowerInvariant()).ToList();
        if (words.Count == 0)
        {
            throw new ArgumentException($"No actions given; for '{resource}': {string.Join(", ", known)}, or *.");
        }

        if (words.Contains("*"))
        {
            return ["*"];
        }

        var actions = new List<string>();
        foreach (var word in words)
        {
            if (word is "readwrite" or "rw" && known.Contains("read") && known.Contains("write"))
            {
                actions.Add("read");
                actions.Add("write");
            }
            else if (known.Contains(word))
            {
                actions.Add(word);
            }
            else
            {
                throw new ArgumentException($"'{word}' is not an action of '{resource}'; its actions are {string.Join(", ", known)} (or * for all{(known.Contains("write") ? ", readwrite for read and write" : "")}).");
            }
        }

        return [.. actions.Distinct(StringComparer.Ordinal)];
    }
}
