using System.Buffers.Binary;
using System.IO.Compression;

namespace Cairn.ZooKeeper.Import;

/// <summary>The original Journal's compression: Python's <c>zlib.compress</c>, a zlib stream (RFC 1950).</summary>
internal static class ZLibData
{
    /// <summary>
    /// The bytes <paramref name="compressed"/> holds, at most <paramref name="maxBytes"/> of them (a znode holds at most
    /// about 1 MiB, but a zlib stream can expand a thousandfold). Throws <see cref="InvalidDataException"/> saying what is
    /// wrong: not zlib data, cut short, followed by other bytes, or larger than the limit.
    /// </summary>
    public static byte[] Decompress(ReadOnlyMemory<byte> compressed, int maxBytes)
    {
        if (compressed.IsEmpty)
        {
            throw new InvalidDataException("it holds no data, where the original wrote zlib-compressed data.");
        }

        // A zlib stream starts with a header whose two bytes, read big-endian, are a multiple of 31, with method 8
        // (deflate). Checked here so that other data gets a clear answer rather than the inflater's.
        var span = compressed.Span;
        if (span.Length < 2 || (span[0] & 0x0F) != 8 || ((span[0] << 8) | span[1]) % 31 != 0)
        {
            throw new InvalidDataException("its data is not zlib-compressed (RFC 1950), as the original wrote it.");
        }

        using var input = new ReadOnlyMemoryStream(compressed);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = zlib.Read(buffer);
                if (read == 0)
                {
                    break;
                }

                if (output.Length + read > maxBytes)
                {
                    throw new InvalidDataException($"its data expands to more than {maxBytes} bytes, the most this import reads.");
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith("its data expands", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"its zlib data is damaged ({ex.Message.TrimEnd('.')}).", ex);
        }

        // The inflater stops quietly where the input ends, so a stream cut short would pass for a shorter one: the
        // Adler-32 of everything inflated must be the stream's last four bytes (which also refuses bytes after it).
        var result = output.ToArray();
        var adler = Adler32(result);
        if (span.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(span[^4..]) != adler)
        {
            throw new InvalidDataException("its zlib data is cut short or damaged (the Adler-32 checksum does not match).");
        }

        return result;
    }

    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Modulus = 65521;
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            // 5552 bytes is the most that can be summed before b could pass 2^32 (zlib's NMAX).
            var chunk = data[..Math.Min(data.Length, 5552)];
            foreach (var x in chunk)
            {
                a += x;
                b += a;
            }

            a %= Modulus;
            b %= Modulus;
            data = data[chunk.Length..];
        }

        return (b << 16) | a;
    }

    // A read-only stream over memory without copying it.
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
