using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>
/// How a permission from the API (<see cref="PermissionDto"/>) becomes a stored one (<see cref="PermissionRecord"/>): checked
/// against <see cref="AuthResources.Actions"/>, <c>*</c> expanded, an unnamed resource's name dropped; and how grants merge
/// into and come out of a role.
/// </summary>
internal static class PermissionRules
{
    /// <summary>The longest key, prefix or range end, in UTF-8 bytes (as a key of the keyspace API).</summary>
    public const int MaxNameBytes = 4096;

    /// <summary>A kv <see cref="PermissionDto.RangeEnd"/> that means "no end": every key from the key on (etcd's
    /// <c>--from-key</c>, whose range end is the byte 0).</summary>
    public const string NoEnd = "\0";

    /// <summary>Checks and normalises <paramref name="permission"/>.</summary>
    /// <exception cref="InvalidArgumentException">An unknown resource or action, a range end outside kv, or a name too
    /// long; the message names it.</exception>
    public static PermissionRecord Normalize(PermissionDto? permission)
    {
        if (permission is null)
        {
            throw new InvalidArgumentException("A permission is missing (null in the list).");
        }

        var resource = permission.Resource ?? "";
        if (!AuthResources.Actions.TryGetValue(resource, out var known))
        {
            throw new InvalidArgumentException(
                $"Unknown resource '{Shorten(resource)}' in a permission; the resources are: {string.Join(", ", AuthResources.Actions.Keys)}.");
        }

        if (permission.Actions is not { Count: > 0 })
        {
            throw new InvalidArgumentException($"A permission on {resource} names no action; the actions of {resource} are: {string.Join(", ", known)} (or *).");
        }

        var actions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var action in permission.Actions)
        {
            if (action == "*")
            {
                actions.UnionWith(known);
            }
            else if (action is not null && known.Contains(action))
            {
                actions.Add(action);
            }
            else
            {
                throw new InvalidArgumentException(
                    $"Unknown action '{Shorten(action)}' on {resource}; its actions are: {string.Join(", ", known)} (or * for all).");
            }
        }

        if (AuthResources.Unnamed.Contains(resource))
        {
            if (permission.RangeEnd is not null)
            {
                throw new InvalidArgumentException($"A range end is for kv permissions only, not {resource}.");
            }

            return new PermissionRecord { Resource = resource, Actions = [.. actions], Key = "", Prefix = true };
        }

        var key = permission.Key ?? "";
        CheckName(key, "key");
        if (permission.RangeEnd is { } end)
        {
            if (resource != AuthResources.Kv)
            {
                throw new InvalidArgumentException($"A range end is for kv permissions only, not {resource}; use a prefix.");
            }

            if (permission.Prefix)
            {
                throw new InvalidArgumentException("A kv permission has a prefix or a range end, not both.");
            }

            if (end != NoEnd)
            {
                CheckName(end, "range end");
                if (Encoding.UTF8.GetBytes(end).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(key)) <= 0)
                {
                    throw new InvalidArgumentException(
                        $"The range end '{Shorten(end)}' is not after the key '{Shorten(key)}': a range is [key, rangeEnd) in byte order (rangeEnd \"\\u0000\" means every key from the key on).");
                }
            }

            return new PermissionRecord { Resource = resource, Actions = [.. actions], Key = key, RangeEnd = end };
        }

        if (!permission.Prefix && key.Length == 0)
        {
            throw new InvalidArgumentException($"A permission on {resource} needs a key (or prefix: true with an empty key for every name).");
        }

        return new PermissionRecord { Resource = resource, Actions = [.. actions], Key = key, Prefix = permission.Prefix };
    }

    /// <summary>The permissions of a role after granting <paramref name="added"/>: a grant on the same names gains the
    /// actions, another is added.</summary>
    public static List<PermissionRecord> Grant(IReadOnlyList<PermissionRecord> current, IEnumerable<PermissionRecord> added)
    {
        var result = current.ToList();
        foreach (var permission in added)
        {
            var index = result.FindIndex(p => p.SameNames(permission));
            if (index >= 0)
            {
                result[index] = permission with { Actions = [.. result[index].Actions.Union(permission.Actions, StringComparer.Ordinal).Order(StringComparer.Ordinal)] };
            }
            else
            {
                result.Add(permission);
            }
        }

        return result;
    }

    /// <summary>The permissions of a role after revoking <paramref name="removed"/>: each takes its actions from the grant
    /// on the same names, which goes when none is left.</summary>
    /// <exception cref="NotFoundException">The role has no grant on those names.</exception>
    public static List<PermissionRecord> Revoke(string role, IReadOnlyList<PermissionRecord> current, IEnumerable<PermissionRecord> removed)
    {
        var result = current.ToList();
        foreach (var permission in removed)
        {
            var index = result.FindIndex(p => p.SameNames(permission));
            if (index < 0)
            {
                throw new NotFoundException($"Role '{role}' has no permission on {Describe(permission)} to revoke.");
            }

            var left = result[index].Actions.Except(permission.Actions, StringComparer.Ordinal).ToList();
            if (left.Count == 0)
            {
                result.RemoveAt(index);
            }
            else
            {
                result[index] = result[index] with { Actions = left };
            }
        }

        return result;
    }

    /// <summary>The API's form of a stored permission.</summary>
    public static PermissionDto ToDto(PermissionRecord permission) => new()
    {
        Resource = permission.Resource,
        Actions = [.. permission.Actions],
        Key = permission.Key,
        Prefix = permission.Prefix,
        RangeEnd = permission.RangeEnd,
    };

    /// <summary>What names a permission covers, for messages.</summary>
    public static string Describe(PermissionRecord permission) =>
        AuthResources.Unnamed.Contains(permission.Resource) ? permission.Resource
        : permission.RangeEnd == NoEnd ? $"{permission.Resource} [{Shorten(permission.Key)}, ∞)"
        : permission.RangeEnd is { } end ? $"{permission.Resource} [{Shorten(permission.Key)}, {Shorten(end)})"
        : permission.Prefix ? $"{permission.Resource} '{Shorten(permission.Key)}*'"
        : $"{permission.Resource} '{Shorten(permission.Key)}'";

    private static void CheckName(string name, string what)
    {
        Keys.ValidateBound(name, what);
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"A permission's {what} must not contain a NUL character.");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new InvalidArgumentException($"A permission's {what} is longer than {MaxNameBytes} bytes.");
        }
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "…" : text;
}
