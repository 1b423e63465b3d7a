namespace Cairn.ZooKeeper;

/// <summary>A version check in a multi; made by <see cref="Op.Check"/>.</summary>
public sealed record CheckOp : Op
{
    internal CheckOp(string path, int version)
        : base(path) => Version = version;

    /// <summary>The data version the node must have, or -1 for any.</summary>
    public int Version { get; }

    internal override int Type => OpCodes.Check;

    internal override void WriteRequest(JuteWriter writer, string serverPath)
    {
        writer.WriteString(serverPath);
        writer.WriteInt(Version);
    }
}
