namespace Cairn.ZooKeeper;

/// <summary>A set-data in a multi; made by <see cref="Op.SetData"/>.</summary>
public sealed record SetDataOp : Op
{
    internal SetDataOp(string path, ReadOnlyMemory<byte> data, int version)
        : base(path)
    {
        Data = data;
        Version = version;
    }

    /// <summary>The new data.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The data version the node must have, or -1 for any.</summary>
    public int Version { get; }

    internal override int Type => OpCodes.SetData;

    internal override void WriteRequest(JuteWriter writer, string serverPath)
    {
        writer.WriteString(serverPath);
        writer.WriteBuffer(Data.Span);
        writer.WriteInt(Version);
    }
}
