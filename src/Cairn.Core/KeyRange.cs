using System.Text;

namespace Cairn.Core;

/// <summary>
/// A set of keys: one key, a prefix, a half-open interval <c>[Key, End)</c>, or everything from a key on.
/// Keys order by their UTF-8 bytes, as in etcd; <see cref="StartBytes"/> and <see cref="EndBytes"/> give the
/// byte bounds a backend scans.
/// </summary>
public sealed record KeyRange
{
    private KeyRange(KeyRangeKind kind, string key, string? end)
    {
        Kind = kind;
        Key = key;
        End = end;
        StartBytes = Encoding.UTF8.GetBytes(key);
        EndBytes = kind switch
        {
            KeyRangeKind.Single => null,
            KeyRangeKind.Between => Encoding.UTF8.GetBytes(end!),
            KeyRangeKind.Prefix => PrefixEnd(StartBytes),
            _ => [],
        };
    }

    /// <summary>How the range was formed.</summary>
    public KeyRangeKind Kind { get; }

    /// <summary>The key, prefix or inclusive start.</summary>
    public string Key { get; }

    /// <summary>The exclusive end for <see cref="KeyRangeKind.Between"/>; otherwise null.</summary>
    public string? End { get; }

    /// <summary>Inclusive lower bound in UTF-8 bytes.</summary>
    public byte[] StartBytes { get; }

    /// <summary>Exclusive upper bound in UTF-8 bytes; null for a single key, empty for "no upper bound".</summary>
    public byte[]? EndBytes { get; }

    /// <summary>True when the range names exactly one key.</summary>
    public bool IsSingleKey => Kind == KeyRangeKind.Single;

    /// <summary>Exactly <paramref name="key"/>.</summary>
    public static KeyRange Single(string key)
    {
        Keys.Validate(key);
        return new(KeyRangeKind.Single, key, null);
    }

    /// <summary>Every key starting with <paramref name="prefix"/>; the empty prefix is every key.</summary>
    public static KeyRange Prefix(string prefix)
    {
        Keys.ValidateBound(prefix, nameof(prefix));
        return new(KeyRangeKind.Prefix, prefix, null);
    }

    /// <summary>Keys in <c>[from, to)</c>, ordered by UTF-8 bytes. <paramref name="to"/> must not be empty.</summary>
    public static KeyRange Between(string from, string to)
    {
        Keys.ValidateBound(from, nameof(from));
        Keys.ValidateBound(to, nameof(to));

        // An empty end would turn into empty EndBytes, which every backend reads as "no upper bound": a delete of
        // the (empty) interval [from, "") would delete every key from `from` on.
        if (to.Length == 0)
        {
            throw new InvalidArgumentException("The end of a range must not be empty; use a from-key range for a range with no upper bound.");
        }

        return new(KeyRangeKind.Between, from, to);
    }

    /// <summary>Every key greater than or equal to <paramref name="from"/>.</summary>
    public static KeyRange FromKey(string from)
    {
        Keys.ValidateBound(from, nameof(from));
        return new(KeyRangeKind.FromKey, from, null);
    }

    /// <summary>Every key in the store.</summary>
    public static KeyRange All { get; } = new(KeyRangeKind.Prefix, "", null);

    /// <summary>True when <paramref name="keyUtf8"/> lies in this range.</summary>
    public bool Contains(ReadOnlySpan<byte> keyUtf8)
    {
        if (EndBytes is null)
        {
            return keyUtf8.SequenceEqual(StartBytes);
        }

        return keyUtf8.SequenceCompareTo(StartBytes) >= 0
            && (EndBytes.Length == 0 || keyUtf8.SequenceCompareTo(EndBytes) < 0);
    }

    /// <summary>True when this range and <paramref name="other"/> share at least one possible key.</summary>
    public bool Overlaps(KeyRange other)
    {
        if (IsSingleKey)
        {
            return other.Contains(StartBytes);
        }

        if (other.IsSingleKey)
        {
            return Contains(other.StartBytes);
        }

        var thisStartsBeforeOtherEnds = other.EndBytes!.Length == 0 || StartBytes.AsSpan().SequenceCompareTo(other.EndBytes) < 0;
        var otherStartsBeforeThisEnds = EndBytes!.Length == 0 || other.StartBytes.AsSpan().SequenceCompareTo(EndBytes) < 0;
        return thisStartsBeforeOtherEnds && otherStartsBeforeThisEnds;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        KeyRangeKind.Single => Key,
        KeyRangeKind.Prefix => Key + "*",
        KeyRangeKind.Between => $"[{Key}, {End})",
        _ => $"[{Key}, ∞)",
    };

    // The smallest byte string greater than every string with this prefix: drop trailing 0xFF bytes and
    // increment the last one. An all-0xFF (or empty) prefix has no upper bound.
    private static byte[] PrefixEnd(byte[] prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xFF)
            {
                var end = prefix[..(i + 1)];
                end[i]++;
                return end;
            }
        }

        return [];
    }
}
