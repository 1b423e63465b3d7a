using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>
/// The permissions of a role, or of several roles together, compiled for checking: per resource and action, the names
/// and prefixes granted, and for kv the union of the granted key ranges as sorted, disjoint byte intervals (so a range
/// check is one binary search, and two grants that together cover a range allow it, as etcd checks). Immutable.
/// </summary>
internal sealed class Grants
{
    private static readonly Dictionary<(string, string), GrantSet> NoSets = [];

    /// <summary>Keys of the server's own state (nodes, volumes, carts, jobs, …): a kv grant reaches them only if its own key
    /// starts with this; a grant of every key (prefix <c>""</c> or <c>/</c>) does not.</summary>
    public const string InternalPrefix = "/cairn/";

    private static readonly byte[] InternalStart = Encoding.UTF8.GetBytes(InternalPrefix);
    private static readonly byte[] InternalEnd = KeyRange.Prefix(InternalPrefix).EndBytes!;

    private readonly Dictionary<(string Resource, string Action), GrantSet> _sets;

    private Grants(bool isAll, Dictionary<(string, string), GrantSet> sets)
    {
        IsAll = isAll;
        _sets = sets;
    }

    /// <summary>Grants nothing.</summary>
    public static Grants None { get; } = new(false, NoSets);

    /// <summary>Grants everything (the root role).</summary>
    public static Grants All { get; } = new(true, NoSets);

    /// <summary>Whether this grants everything.</summary>
    public bool IsAll { get; }

    /// <summary>Compiles <paramref name="permissions"/> (already validated, actions expanded).</summary>
    public static Grants Compile(IEnumerable<PermissionRecord> permissions)
    {
        var builders = new Dictionary<(string, string), GrantSet.Builder>();
        foreach (var permission in permissions)
        {
            foreach (var action in permission.Actions)
            {
                if (!builders.TryGetValue((permission.Resource, action), out var builder))
                {
                    builders[(permission.Resource, action)] = builder = new GrantSet.Builder(permission.Resource == AuthResources.Kv);
                }

                builder.Add(permission);
            }
        }

        return builders.Count == 0 ? None : new Grants(false, builders.ToDictionary(b => b.Key, b => b.Value.Build()));
    }

    /// <summary>Whether <paramref name="action"/> on <paramref name="resource"/> is granted for <paramref name="name"/> (null:
    /// for every name).</summary>
    public bool Allows(string resource, string action, string? name)
    {
        if (IsAll)
        {
            return true;
        }

        if (!_sets.TryGetValue((resource, action), out var set))
        {
            return false;
        }

        return set.Everything || (name is not null && !AuthResources.Unnamed.Contains(resource) && set.Covers(name));
    }

    /// <summary>Whether <paramref name="action"/> on <paramref name="resource"/> is granted for every name starting with
    /// <paramref name="prefix"/>.</summary>
    public bool AllowsPrefix(string resource, string action, string prefix)
    {
        if (IsAll)
        {
            return true;
        }

        if (!_sets.TryGetValue((resource, action), out var set))
        {
            return false;
        }

        return set.Everything || (!AuthResources.Unnamed.Contains(resource) && set.CoversPrefix(prefix));
    }

    /// <summary>Whether <paramref name="action"/> on kv is granted for every key of <paramref name="range"/>.</summary>
    public bool AllowsRange(KeyRange range, string action)
    {
        if (IsAll)
        {
            return true;
        }

        if (!_sets.TryGetValue((AuthResources.Kv, action), out var set))
        {
            return false;
        }

        return set.Everything || set.CoversRange(range);
    }

    /// <summary>The names granted for one resource and action.</summary>
    private sealed class GrantSet
    {
        private readonly HashSet<string> _names;
        private readonly string[] _prefixes;

        // kv: disjoint, sorted by start, not touching; End null = no end. All grants, and those whose own key starts with
        // /cairn/ (the only ones that reach the server's internal keys).
        private readonly Interval[] _intervals;
        private readonly Interval[] _internal;

        private GrantSet(bool everything, HashSet<string> names, string[] prefixes, Interval[] intervals, Interval[] @internal)
        {
            Everything = everything;
            _names = names;
            _prefixes = prefixes;
            _intervals = intervals;
            _internal = @internal;
        }

        public bool Everything { get; }

        public bool Covers(string name)
        {
            if (_intervals.Length > 0)
            {
                var length = Encoding.UTF8.GetByteCount(name);
                Span<byte> key = length <= 512 ? stackalloc byte[length] : new byte[length];
                Encoding.UTF8.GetBytes(name, key);
                return Contains(key.StartsWith(InternalStart) ? _internal : _intervals, key);
            }

            if (_names.Contains(name))
            {
                return true;
            }

            foreach (var prefix in _prefixes)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        public bool CoversPrefix(string prefix)
        {
            if (_intervals.Length > 0)
            {
                return CoversRange(KeyRange.Prefix(prefix));
            }

            foreach (var granted in _prefixes)
            {
                if (prefix.StartsWith(granted, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        public bool CoversRange(KeyRange range)
        {
            if (_intervals.Length == 0)
            {
                return false;
            }

            var start = range.StartBytes;
            if (range.IsSingleKey)
            {
                return Contains(start.AsSpan().StartsWith(InternalStart) ? _internal : _intervals, start);
            }

            // The part of the range below /cairn/, the part inside it, the part after it: the inside part only by grants
            // that name /cairn/ themselves.
            var end = range.EndBytes!.Length == 0 ? null : range.EndBytes;
            return Covers(_intervals, start, Min(end, InternalStart))
                && Covers(_internal, Max(start, InternalStart), Min(end, InternalEnd))
                && Covers(_intervals, Max(start, InternalEnd), end);
        }

        // Whether [start, end) (end null: no end) is empty or inside one interval of the set.
        private static bool Covers(Interval[] set, byte[] start, byte[]? end)
        {
            if (end is not null && end.AsSpan().SequenceCompareTo(start) <= 0)
            {
                return true;
            }

            if (Find(set, start) is not { } interval || !Contains(interval, start))
            {
                return false;
            }

            return interval.End is null || (end is not null && end.AsSpan().SequenceCompareTo(interval.End) <= 0);
        }

        private static bool Contains(Interval[] set, ReadOnlySpan<byte> key) => Find(set, key) is { } interval && Contains(interval, key);

        private static byte[]? Min(byte[]? a, byte[] b) => a is null || a.AsSpan().SequenceCompareTo(b) > 0 ? b : a;

        private static byte[] Max(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b) >= 0 ? a : b;

        // The last interval starting at or before the key.
        private static Interval? Find(Interval[] set, ReadOnlySpan<byte> key)
        {
            int lo = 0, hi = set.Length - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (set[mid].Start.AsSpan().SequenceCompareTo(key) <= 0)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return found < 0 ? null : set[found];
        }

        private static bool Contains(Interval interval, ReadOnlySpan<byte> key) =>
            interval.End is null || key.SequenceCompareTo(interval.End) < 0;

        private sealed record Interval(byte[] Start, byte[]? End);

        internal sealed class Builder(bool kv)
        {
            private readonly HashSet<string> _names = new(StringComparer.Ordinal);
            private readonly List<string> _prefixes = [];
            private readonly List<Interval> _intervals = [];
            private readonly List<Interval> _internal = [];
            private bool _everything;

            public void Add(PermissionRecord permission)
            {
                if (kv)
                {
                    var interval = ToInterval(permission);
                    _intervals.Add(interval);
                    if (permission.Key.StartsWith(InternalPrefix, StringComparison.Ordinal))
                    {
                        _internal.Add(interval);
                    }
                }
                else if (AuthResources.Unnamed.Contains(permission.Resource) || (permission.Prefix && permission.Key.Length == 0))
                {
                    _everything = true;
                }
                else if (permission.Prefix)
                {
                    _prefixes.Add(permission.Key);
                }
                else
                {
                    _names.Add(permission.Key);
                }
            }

            public GrantSet Build() => new(_everything, _names, [.. _prefixes], Merge(_intervals), Merge(_internal));

            private static Interval ToInterval(PermissionRecord permission)
            {
                var start = Encoding.UTF8.GetBytes(permission.Key);
                if (permission.RangeEnd is { } end)
                {
                    return new Interval(start, end == PermissionRules.NoEnd ? null : Encoding.UTF8.GetBytes(end));
                }

                if (permission.Prefix)
                {
                    var prefixEnd = KeyRange.Prefix(permission.Key).EndBytes!;
                    return new Interval(start, prefixEnd.Length == 0 ? null : prefixEnd);
                }

                // One key: [key, key + 0x00), the key's immediate successor in byte order.
                return new Interval(start, [.. start, 0]);
            }

            private static Interval[] Merge(List<Interval> intervals)
            {
                if (intervals.Count == 0)
                {
                    return [];
                }

                intervals.Sort((a, b) => a.Start.AsSpan().SequenceCompareTo(b.Start));
                var merged = new List<Interval>();
                var current = intervals[0];
                foreach (var next in intervals.Skip(1))
                {
                    if (current.End is null)
                    {
                        break;
                    }

                    if (next.Start.AsSpan().SequenceCompareTo(current.End) <= 0)
                    {
                        var end = next.End is null || next.End.AsSpan().SequenceCompareTo(current.End) > 0 ? next.End : current.End;
                        current = current with { End = end };
                    }
                    else
                    {
                        merged.Add(current);
                        current = next;
                    }
                }

                merged.Add(current);
                return [.. merged];
            }
        }
    }
}
