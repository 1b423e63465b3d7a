using System.Buffers;
using System.Buffers.Binary;

namespace Cairn.Storage.Replicated;

/// <summary>The primitives of Cairn's replicated formats (log entries, snapshots): unsigned LEB128 varints, fixed
/// little-endian 64-bit integers, and length-prefixed byte strings.</summary>
internal static class WireWriter
{
    public static void WriteByte(this IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    /// <summary>A non-negative number in 1 to 10 bytes, 7 bits each, low bits first.</summary>
    public static void WriteVarint(this IBufferWriter<byte> writer, long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var span = writer.GetSpan(10);
        var n = 0;
        var rest = (ulong)value;
        while (rest >= 0x80)
        {
            span[n++] = (byte)(rest | 0x80);
            rest >>= 7;
        }

        span[n++] = (byte)rest;
        writer.Advance(n);
    }

    public static void WriteInt64(this IBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public static void WriteBytes(this IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        writer.WriteVarint(bytes.Length);
        writer.Write(bytes);
    }
}
