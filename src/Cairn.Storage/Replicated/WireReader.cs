using System.Buffers.Binary;
using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>Reads what <see cref="WireWriter"/> wrote, checking every bound: malformed input is a
/// <see cref="CorruptException"/> naming <c>what</c> was read, never an index error.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position == _data.Length;

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        return _data[_position++];
    }

    public long ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value <= long.MaxValue ? (long)value : throw Malformed("a number out of range");
            }
        }

        throw Malformed("a number longer than 10 bytes");
    }

    /// <summary>A varint that must fit an <see cref="int"/> count or length.</summary>
    public int ReadCount()
    {
        var value = ReadVarint();
        return value <= int.MaxValue ? (int)value : throw Malformed($"a count of {value}");
    }

    public long ReadInt64()
    {
        if (_data.Length - _position < 8)
        {
            throw Truncated();
        }

        var value = BinaryPrimitives.ReadInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadCount();
        if (_data.Length - _position < length)
        {
            throw Truncated();
        }

        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public readonly CorruptException Malformed(string detail) =>
        new($"The {what} is malformed at byte {_position}: {detail}.");

    private readonly CorruptException Truncated() => new($"The {what} ends early, at byte {_position} of {_data.Length}.");
}
