namespace Cairn.ZooKeeper;

/// <summary>A create in a multi; made by <see cref="Op.Create"/>.</summary>
public sealed record CreateOp : Op
{
    internal CreateOp(string path, ReadOnlyMemory<byte> data, CreateMode mode, IReadOnlyList<Acl> acl)
        : base(path)
    {
        Data = data;
        Mode = mode;
        Acl = acl;
    }

    /// <summary>The new node's data.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The new node's kind.</summary>
    public CreateMode Mode { get; }

    /// <summary>The new node's ACL.</summary>
    public IReadOnlyList<Acl> Acl { get; }

    internal override int Type => Mode == CreateMode.Container ? OpCodes.CreateContainer : OpCodes.Create;

    internal override void WriteRequest(JuteWriter writer, string serverPath)
    {
        writer.WriteString(serverPath);
        writer.WriteBuffer(Data.Span);
        writer.WriteAcl(Acl);
        writer.WriteInt((int)Mode);
    }
}
