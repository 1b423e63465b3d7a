using System.Text;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// An HPACK decoder (RFC 7541) for one direction of one HTTP/2 connection: it keeps the sender's dynamic table, so each
/// header block must be given to it whole and in order. Malformed input is answered with null (the caller then lets the
/// server see the bytes and refuse them), never an exception.
/// </summary>
internal sealed class HpackDecoder(int maxTableSize)
{
    private readonly int _maxTableSize = maxTableSize;
    private static readonly (byte[] Name, byte[] Value)[] StaticTable = BuildStaticTable();

    // Newest first, as HPACK indexes it.
    private readonly LinkedList<(byte[] Name, byte[] Value)> _dynamic = new();
    private int _size;
    private int _capacity = maxTableSize;

    /// <summary>The fields of one header block, in order; null when the block is not valid HPACK.</summary>
    public List<(byte[] Name, byte[] Value)>? Decode(ReadOnlySpan<byte> block)
    {
        var fields = new List<(byte[] Name, byte[] Value)>();
        var position = 0;
        while (position < block.Length)
        {
            var first = block[position];
            if ((first & 0x80) != 0)
            {
                // Indexed field.
                if (!TryInteger(block, ref position, 7, out var index) || Entry(index) is not { } entry)
                {
                    return null;
                }

                fields.Add(entry);
            }
            else if ((first & 0xE0) == 0x20)
            {
                // Dynamic table size update: at most what the receiver allows.
                if (!TryInteger(block, ref position, 5, out var size) || size > _maxTableSize)
                {
                    return null;
                }

                _capacity = size;
                Evict(0);
            }
            else
            {
                // A literal: with incremental indexing (01), without (0000) or never indexed (0001).
                var indexing = (first & 0xC0) == 0x40;
                if (!TryInteger(block, ref position, indexing ? 6 : 4, out var index))
                {
                    return null;
                }

                byte[]? name;
                if (index == 0)
                {
                    name = TryString(block, ref position);
                }
                else
                {
                    name = Entry(index)?.Name;
                }

                var value = name is null ? null : TryString(block, ref position);
                if (name is null || value is null)
                {
                    return null;
                }

                fields.Add((name, value));
                if (indexing)
                {
                    Add(name, value);
                }
            }
        }

        return fields;
    }

    private (byte[] Name, byte[] Value)? Entry(int index)
    {
        if (index >= 1 && index <= StaticTable.Length)
        {
            return StaticTable[index - 1];
        }

        var dynamicIndex = index - StaticTable.Length - 1;
        if (index < 1 || dynamicIndex >= _dynamic.Count)
        {
            return null;
        }

        return _dynamic.ElementAt(dynamicIndex);
    }

    private void Add(byte[] name, byte[] value)
    {
        var size = name.Length + value.Length + 32;
        Evict(size);

        // An entry larger than the table empties it and is not added (RFC 7541, 4.4).
        if (size <= _capacity)
        {
            _dynamic.AddFirst((name, value));
            _size += size;
        }
    }

    // Evicts the oldest entries until `room` more octets fit.
    private void Evict(int room)
    {
        while (_dynamic.Count > 0 && _size + room > _capacity)
        {
            var (name, value) = _dynamic.Last!.Value;
            _size -= name.Length + value.Length + 32;
            _dynamic.RemoveLast();
        }
    }

    // An integer with an N-bit prefix (RFC 7541, 5.1), kept below 2^24: no valid index, length or size is larger.
    private static bool TryInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits, out int value)
    {
        var max = (1 << prefixBits) - 1;
        value = block[position++] & max;
        if (value < max)
        {
            return true;
        }

        for (var shift = 0; shift <= 21; shift += 7)
        {
            if (position >= block.Length)
            {
                return false;
            }

            var octet = block[position++];
            value += (octet & 0x7F) << shift;
            if ((octet & 0x80) == 0)
            {
                return value < 1 << 24;
            }
        }

        return false;
    }

    // A string literal (RFC 7541, 5.2): a length with a 7-bit prefix, Huffman-coded when the high bit is set.
    private static byte[]? TryString(ReadOnlySpan<byte> block, ref int position)
    {
        if (position >= block.Length)
        {
            return null;
        }

        var huffman = (block[position] & 0x80) != 0;
        if (!TryInteger(block, ref position, 7, out var length) || length > block.Length - position)
        {
            return null;
        }

        var raw = block.Slice(position, length);
        position += length;
        return huffman ? HpackHuffman.Decode(raw) : raw.ToArray();
    }

    // RFC 7541, Appendix A.
    private static (byte[] Name, byte[] Value)[] BuildStaticTable()
    {
        string[] entries =
        [
            ":authority", ":method GET", ":method POST", ":path /", ":path /index.html", ":scheme http", ":scheme https",
            ":status 200", ":status 204", ":status 206", ":status 304", ":status 400", ":status 404", ":status 500",
            "accept-charset", "accept-encoding gzip, deflate", "accept-language", "accept-ranges", "accept",
            "access-control-allow-origin", "age", "allow", "authorization", "cache-control", "content-disposition",
            "content-encoding", "content-language", "content-length", "content-location", "content-range", "content-type",
            "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
            "if-range", "if-unmodified-since", "last-modified", "link", "location", "max-forwards", "proxy-authenticate",
            "proxy-authorization", "range", "referer", "refresh", "retry-after", "server", "set-cookie",
            "strict-transport-security", "transfer-encoding", "user-agent", "vary", "via", "www-authenticate",
        ];
        return [.. entries.Select(e => e.Split(' ', 2) is var parts
            ? (Encoding.ASCII.GetBytes(parts[0]), Encoding.ASCII.GetBytes(parts.Length > 1 ? parts[1] : ""))
            : default)];
    }
}
