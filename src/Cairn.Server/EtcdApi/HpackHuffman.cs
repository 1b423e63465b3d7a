namespace Cairn.Server.EtcdApi;

/// <summary>
/// HPACK's Huffman code (RFC 7541, Appendix B), decoding only. The code is canonical, so the code lengths of the 257
/// symbols (256 octets and EOS) are all it takes: codes of one length are consecutive, in symbol order.
/// </summary>
internal static class HpackHuffman
{
    private const int Eos = 256;
    private const int MaxLength = 30;

    // The code length of each symbol, from the RFC's table.
    private static readonly byte[] Lengths =
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];

    // For each length: the first code of that length, how many codes have it, and where its symbols start in Symbols.
    private static readonly int[] FirstCode = new int[MaxLength + 1];
    private static readonly int[] Count = new int[MaxLength + 1];
    private static readonly int[] Offset = new int[MaxLength + 1];
    private static readonly int[] Symbols = new int[Lengths.Length];

    static HpackHuffman()
    {
        foreach (var length in Lengths)
        {
            Count[length]++;
        }

        var code = 0;
        var offset = 0;
        for (var length = 1; length <= MaxLength; length++)
        {
            FirstCode[length] = code;
            Offset[length] = offset;
            code = (code + Count[length]) << 1;
            offset += Count[length];
        }

        var next = (int[])Offset.Clone();
        for (var symbol = 0; symbol < Lengths.Length; symbol++)
        {
            Symbols[next[Lengths[symbol]]++] = symbol;
        }
    }

    /// <summary>Decodes <paramref name="encoded"/>; null when it is not a valid Huffman string (EOS inside, padding longer
    /// than 7 bits or not all ones).</summary>
    public static byte[]? Decode(ReadOnlySpan<byte> encoded)
    {
        var output = new List<byte>(encoded.Length * 8 / 5);
        var code = 0;
        var length = 0;
        foreach (var octet in encoded)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                code = (code << 1) | ((octet >> bit) & 1);
                length++;
                var index = code - FirstCode[length];
                if (index >= 0 && index < Count[length])
                {
                    var symbol = Symbols[Offset[length] + index];
                    if (symbol == Eos)
                    {
                        return null;
                    }

                    output.Add((byte)symbol);
                    code = 0;
                    length = 0;
                }
                else if (length == MaxLength)
                {
                    return null;
                }
            }
        }

        // What is left is padding: at most 7 bits, all ones (the start of EOS).
        return length <= 7 && code == (1 << length) - 1 ? [.. output] : null;
    }
}
