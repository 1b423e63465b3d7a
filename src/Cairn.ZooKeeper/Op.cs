namespace Cairn.ZooKeeper;

/// <summary>One operation of a <see cref="ZooKeeperClient.MultiAsync"/> transaction: all of them apply, or none.</summary>
public abstract record Op
{
    private protected Op(string path) => Path = path;

    /// <summary>The node the operation is about, relative to the chroot.</summary>
    public string Path { get; }

    /// <summary>Creates a node (as <see cref="ZooKeeperClient.CreateAsync"/>; TTL modes are not available in a multi).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">Its data.</param>
    /// <param name="mode">Its kind.</param>
    /// <param name="acl">Its ACL; <see cref="Acl.OpenUnsafe"/> when null.</param>
    /// <returns>The operation.</returns>
    public static Op Create(string path, ReadOnlyMemory<byte> data, CreateMode mode = CreateMode.Persistent, IReadOnlyList<Acl>? acl = null)
    {
        if (mode is CreateMode.PersistentWithTtl or CreateMode.PersistentSequentialWithTtl)
        {
            throw new ArgumentException($"A TTL create ({mode}) is not available in a multi; use CreateAsync with a ttl.", nameof(mode));
        }

        ZooKeeperPath.Validate(path, IsSequential(mode), nameof(path));
        return new CreateOp(path, data, mode, acl ?? Acl.OpenUnsafe);
    }

    /// <summary>Deletes a node, if its version is <paramref name="version"/> (-1: any version).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The data version it must have, or -1.</param>
    /// <returns>The operation.</returns>
    public static Op Delete(string path, int version = -1)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return new DeleteOp(path, version);
    }

    /// <summary>Sets a node's data, if its version is <paramref name="version"/> (-1: any version).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The new data.</param>
    /// <param name="version">The data version it must have, or -1.</param>
    /// <returns>The operation.</returns>
    public static Op SetData(string path, ReadOnlyMemory<byte> data, int version = -1)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return new SetDataOp(path, data, version);
    }

    /// <summary>Checks that a node exists with data version <paramref name="version"/> (-1: exists at all); changes nothing.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The data version it must have, or -1.</param>
    /// <returns>The operation.</returns>
    public static Op Check(string path, int version)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return new CheckOp(path, version);
    }

    internal static bool IsSequential(CreateMode mode) =>
        mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential or CreateMode.PersistentSequentialWithTtl;

    // The op's multi header type and its request record (paths as the server sees them).
    internal abstract int Type { get; }

    internal abstract void WriteRequest(JuteWriter writer, string serverPath);
}
