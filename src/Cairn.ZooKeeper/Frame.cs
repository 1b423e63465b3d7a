namespace Cairn.ZooKeeper;

// One frame read from a server: its bytes, and the length it declared (longer than the bytes when it was too long to keep).
internal readonly record struct Frame(ReadOnlyMemory<byte> Data, int DeclaredLength)
{
    public bool Truncated => DeclaredLength > Data.Length;
}
