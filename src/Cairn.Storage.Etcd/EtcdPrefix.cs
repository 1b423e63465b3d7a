using System.Text;
using Cairn.Core;
using Google.Protobuf;

namespace Cairn.Storage.Etcd;

/// <summary>
/// The namespace Cairn's keys live under on etcd (<see cref="EtcdKeyspaceOptions.Prefix"/>): the one place where a
/// Cairn key or range becomes an etcd key or range and back, as etcd's own <c>clientv3/namespace</c> wrapper does it.
/// With the empty prefix the mapping is the identity (today's layout).
/// </summary>
internal sealed class EtcdPrefix
{
    private static readonly ByteString Nul = ByteString.CopyFrom(0);

    private readonly byte[] _bytes;

    private EtcdPrefix(string text, byte[] bytes)
    {
        Text = text;
        _bytes = bytes;

        // The end of the namespace: the prefix with its last byte that is not 0xFF incremented (and what follows it
        // dropped). UTF-8 never holds 0xFF, so a non-empty prefix always has one; the empty prefix ends nowhere ("\0").
        var end = (byte[])bytes.Clone();
        var length = end.Length;
        while (length > 0 && end[length - 1] == 0xFF)
        {
            length--;
        }

        if (length == 0)
        {
            RangeEnd = Nul;
        }
        else
        {
            end[length - 1]++;
            RangeEnd = ByteString.CopyFrom(end, 0, length);
        }

        All = (Key([]), RangeEnd);
        Probe = Key([0]);
    }

    /// <summary>The prefix as configured; empty for none.</summary>
    public string Text { get; }

    /// <summary>etcd's range_end for "to the end of the namespace".</summary>
    public ByteString RangeEnd { get; }

    /// <summary>Every key of the namespace, as etcd's key and range_end.</summary>
    public (ByteString Key, ByteString End) All { get; }

    /// <summary>A key inside the namespace that no Cairn key maps to (Cairn keys never hold NUL): probes that must read
    /// or watch "nothing", and need the permission a prefix-restricted etcd user has, use it.</summary>
    public ByteString Probe { get; }

    /// <summary>Checks <paramref name="prefix"/> (null or empty for none) and makes the mapping.</summary>
    /// <exception cref="InvalidArgumentException">The prefix holds a NUL character or a lone surrogate.</exception>
    public static EtcdPrefix Create(string? prefix)
    {
        prefix ??= "";
        const string Allowed = "any text without NUL is allowed, e.g. /cairn/prod/ (end it with '/' so that no cluster's prefix is the start of another's)";
        if (prefix.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"The etcd prefix must not contain a NUL character; {Allowed}.");
        }

        try
        {
            Keys.ValidateBound(prefix, "etcd prefix");
        }
        catch (InvalidArgumentException ex)
        {
            throw new InvalidArgumentException($"{ex.Message} {char.ToUpperInvariant(Allowed[0])}{Allowed[1..]}.");
        }

        return new EtcdPrefix(prefix, Encoding.UTF8.GetBytes(prefix));
    }

    /// <summary>The etcd key of a Cairn key (or range start) in UTF-8; an empty result becomes "\0", the smallest key
    /// etcd takes (it refuses the empty key), as etcd's Go client does.</summary>
    public ByteString Key(ReadOnlySpan<byte> key)
    {
        if (_bytes.Length + key.Length == 0)
        {
            return Nul;
        }

        var bytes = new byte[_bytes.Length + key.Length];
        _bytes.CopyTo(bytes, 0);
        key.CopyTo(bytes.AsSpan(_bytes.Length));
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>The etcd key of a Cairn key.</summary>
    public ByteString Key(string key) => Key(Encoding.UTF8.GetBytes(key));

    /// <summary>A <see cref="KeyRange"/> as etcd's key and range_end: no range_end for one key, the end of the namespace
    /// for "no upper bound", the prefixed end otherwise.</summary>
    public (ByteString Key, ByteString? End) Bounds(KeyRange range)
    {
        var key = Key(range.StartBytes);
        return range.EndBytes switch
        {
            null => (key, null),
            { Length: 0 } => (key, RangeEnd),
            var end => (key, Key(end)),
        };
    }

    /// <summary>True when the etcd key lies in the namespace.</summary>
    public bool Holds(ReadOnlySpan<byte> key) => key.StartsWith(_bytes);

    /// <summary>The Cairn key of an etcd key of the namespace.</summary>
    /// <exception cref="UnavailableException">etcd answered with a key outside the namespace (it never should).</exception>
    public string Strip(ReadOnlySpan<byte> key)
    {
        if (!Holds(key))
        {
            throw new UnavailableException($"etcd answered with a key outside the prefix '{Text}'.");
        }

        return Encoding.UTF8.GetString(key[_bytes.Length..]);
    }
}
