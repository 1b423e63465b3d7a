using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>Turns the wire's (key, prefix, end, fromKey) into a <see cref="KeyRange"/> and back.</summary>
internal static class WireRanges
{
    public static KeyRange ToRange(string? key, bool prefix, string? end, bool fromKey)
    {
        var forms = (prefix ? 1 : 0) + (end is not null ? 1 : 0) + (fromKey ? 1 : 0);
        if (forms > 1)
        {
            throw new InvalidArgumentException("A range takes at most one of 'prefix', 'end' and 'fromKey'.");
        }

        if (key is null)
        {
            throw new InvalidArgumentException("The range has no 'key'.");
        }

        if (prefix)
        {
            return KeyRange.Prefix(key);
        }

        if (end is not null)
        {
            return KeyRange.Between(key, end);
        }

        return fromKey ? KeyRange.FromKey(key) : KeyRange.Single(key);
    }

    public static (string Key, bool Prefix, string? End, bool FromKey) FromRange(KeyRange range) => range.Kind switch
    {
        KeyRangeKind.Single => (range.Key, false, null, false),
        KeyRangeKind.Prefix => (range.Key, true, null, false),
        KeyRangeKind.Between => (range.Key, false, range.End, false),
        _ => (range.Key, false, null, true),
    };
}
