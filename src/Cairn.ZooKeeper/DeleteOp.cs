namespace Cairn.ZooKeeper;

/// <summary>A delete in a multi; made by <see cref="Op.Delete"/>.</summary>
public sealed record DeleteOp : Op
{
    internal DeleteOp(string path, int version)
        : base(path) => Version = version;

    /// <summary>The data version the node must have, or -1 for any.</summary>
    public int Version { get; }

    internal override int Type => OpCodes.Delete;

    internal override void WriteRequest(JuteWriter writer, string serverPath)
    {
        writer.WriteString(serverPath);
        writer.WriteInt(Version);
    }
}
