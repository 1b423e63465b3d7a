using System.Buffers.Binary;
using System.Text;

namespace Cairn.ZooKeeper;

// Jute's binary encoding, big-endian: ints and longs as is, a bool as one byte, a string as its UTF-8 length and bytes,
// a buffer as its length and bytes (-1 for null), a vector as its count and items. Frames are a 4-byte length and a body.
// One writer per connection, reused from frame to frame.
internal sealed class JuteWriter
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _length;

    public int Length => _length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    // Drops what was written; gives back a buffer grown for one very large frame.
    public void Reset()
    {
        _length = 0;
        if (_buffer.Length > 1024 * 1024)
        {
            _buffer = new byte[16 * 1024];
        }
    }

    public void Truncate(int length) => _length = length;

    public int BeginFrame()
    {
        var start = _length;
        WriteInt(0);
        return start;
    }

    public void EndFrame(int start) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(start), _length - start - 4);

    public void WriteInt(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteLong(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteBool(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteInt(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    public void WriteBuffer(ReadOnlySpan<byte> value)
    {
        WriteInt(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteStrings(IReadOnlyList<string> values)
    {
        WriteInt(values.Count);
        foreach (var value in values)
        {
            WriteString(value);
        }
    }

    public void WriteAcl(IReadOnlyList<Acl> acl)
    {
        WriteInt(acl.Count);
        foreach (var entry in acl)
        {
            WriteInt((int)entry.Perms);
            WriteString(entry.Id.Scheme);
            WriteString(entry.Id.Id);
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
