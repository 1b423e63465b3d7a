using System.Buffers.Binary;
using System.Text;

namespace Cairn.ZooKeeper;

// Reads jute's binary encoding from one frame; running past its end means the reply is not what it should be.
internal ref struct JuteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> data) => _data = data;

    public readonly int Remaining => _data.Length - _position;

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public bool ReadBool() => Take(1)[0] != 0;

    public string ReadString()
    {
        var length = ReadInt();
        return length < 0 ? string.Empty : Encoding.UTF8.GetString(Take(length));
    }

    public byte[] ReadBuffer()
    {
        var length = ReadInt();
        return length <= 0 ? [] : Take(length).ToArray();
    }

    public List<string> ReadStrings()
    {
        var count = ReadInt();
        if (count > Remaining / 4)
        {
            throw new InvalidDataException($"A vector of {count} strings does not fit the {Remaining} bytes left in the reply.");
        }

        var list = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadString());
        }

        return list;
    }

    public List<Acl> ReadAcl()
    {
        var count = ReadInt();
        if (count > Remaining / 12)
        {
            throw new InvalidDataException($"An ACL of {count} entries does not fit the {Remaining} bytes left in the reply.");
        }

        var acl = new List<Acl>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            var perms = (AclPermissions)ReadInt();
            acl.Add(new Acl(perms, new ZooKeeperId(ReadString(), ReadString())));
        }

        return acl;
    }

    public Stat ReadStat() =>
        new(ReadLong(), ReadLong(), ReadLong(), ReadLong(), ReadInt(), ReadInt(), ReadInt(), ReadLong(), ReadInt(), ReadInt(), ReadLong());

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new InvalidDataException($"The reply ends early: {count} bytes wanted, {Remaining} left.");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
