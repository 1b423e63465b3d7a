namespace Cairn.ZooKeeper;

// The node operations: create, delete, exists, get and set data, get children. Each validates its path, queues its
// request (in call order, before returning) and awaits the reply.
public sealed partial class ZooKeeperClient
{
    // EphemeralType.TTL's limit: the TTL shares the ephemeral owner field with marker bits.
    private const long MaxTtlMs = 0xFF_FFFF_FFFFL;

    /// <summary>Creates a node.</summary>
    /// <param name="path">The node's path; for a sequential mode, the prefix the counter is appended to.</param>
    /// <param name="data">Its data.</param>
    /// <param name="mode">Its kind.</param>
    /// <param name="acl">Its ACL; <see cref="Acl.OpenUnsafe"/> when null.</param>
    /// <param name="ttl">For the TTL modes only (and then required): milliseconds without change and without
    /// children after which the server deletes the node. 0 for the other modes.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The created node's path relative to the chroot, with the sequential suffix (10 digits) if any.</returns>
    /// <exception cref="NodeExistsException">The node exists.</exception>
    /// <exception cref="NoNodeException">The parent does not exist.</exception>
    /// <exception cref="NoChildrenForEphemeralsException">The parent is ephemeral.</exception>
    /// <exception cref="ArgumentException">The path is invalid, or the TTL does not fit the mode.</exception>
    public Task<string> CreateAsync(string path, ReadOnlyMemory<byte> data, CreateMode mode = CreateMode.Persistent, IReadOnlyList<Acl>? acl = null, long ttl = 0, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, Op.IsSequential(mode), nameof(path));
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a create mode.");
        }

        var withTtl = mode is CreateMode.PersistentWithTtl or CreateMode.PersistentSequentialWithTtl;
        if (withTtl && ttl is <= 0 or > MaxTtlMs)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, $"A {mode} node needs a TTL between 1 and {MaxTtlMs} ms.");
        }

        if (!withTtl && ttl != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, $"A TTL is only for the TTL modes, not {mode}.");
        }

        acl ??= Acl.OpenUnsafe;
        if (acl.Count == 0)
        {
            throw new ArgumentException("An ACL needs at least one entry (Acl.OpenUnsafe gives everyone everything).", nameof(acl));
        }

        return SubmitAsync(new CreateRequest(this, path, data, mode, acl, ttl), cancellationToken);
    }

    /// <summary>Deletes a node, if its data version is <paramref name="version"/> (-1: any).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The data version it must have, or -1.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>A task that completes when the node is deleted.</returns>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">Its version is another.</exception>
    /// <exception cref="NotEmptyException">It has children.</exception>
    public Task DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new DeleteRequest(ToServer(path), path, version), cancellationToken);
    }

    /// <summary>Reads a node's metadata, if it exists.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watch">Also leave a one-shot watch: it fires on the node's creation if it does not exist, else on
    /// its next data change or deletion.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The metadata, or null when there is no such node.</returns>
    public Task<Stat?> ExistsAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new ExistsRequest(this, path, watch), cancellationToken);
    }

    /// <summary>Reads a node's data and metadata.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watch">Also leave a one-shot watch for the node's next data change or deletion.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The data and metadata.</returns>
    /// <exception cref="NoNodeException">The node does not exist (no watch is left).</exception>
    /// <exception cref="NoAuthException">The node's ACL does not let this session read it.</exception>
    public Task<NodeData> GetDataAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new GetDataRequest(this, path, watch), cancellationToken);
    }

    /// <summary>Sets a node's data, if its data version is <paramref name="version"/> (-1: any).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The new data.</param>
    /// <param name="version">The data version it must have, or -1.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The node's metadata after the change.</returns>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">Its version is another.</exception>
    public Task<Stat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new SetDataRequest(ToServer(path), path, data, version), cancellationToken);
    }

    /// <summary>Lists a node's children (getChildren2: with the node's metadata).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="watch">Also leave a one-shot watch for the next child created or deleted, or the node's deletion.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The children's names and the node's metadata.</returns>
    /// <exception cref="NoNodeException">The node does not exist (no watch is left).</exception>
    public Task<ChildrenData> GetChildrenAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new GetChildrenRequest(this, path, watch), cancellationToken);
    }

    private sealed class CreateRequest(ZooKeeperClient client, string path, ReadOnlyMemory<byte> data, CreateMode mode, IReadOnlyList<Acl> acl, long ttl)
        : Request<string>(TypeOf(mode), path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteBuffer(data.Span);
            writer.WriteAcl(acl);
            writer.WriteInt((int)mode);
            if (Type == OpCodes.CreateTtl)
            {
                writer.WriteLong(ttl);
            }
        }

        protected override string Read(int error, ref JuteReader body)
        {
            var created = body.ReadString(); // Create2Response: the path, then the stat (not kept)
            return client.FromServer(created);
        }

        private static int TypeOf(CreateMode mode) => mode switch
        {
            CreateMode.Container => OpCodes.CreateContainer,
            CreateMode.PersistentWithTtl or CreateMode.PersistentSequentialWithTtl => OpCodes.CreateTtl,
            _ => OpCodes.Create2,
        };
    }

    private sealed class DeleteRequest(string serverPath, string path, int version) : Request<bool>(OpCodes.Delete, path)
    {
        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(serverPath);
            writer.WriteInt(version);
        }

        protected override bool Read(int error, ref JuteReader body) => true;
    }

    private sealed class ExistsRequest(ZooKeeperClient client, string path, bool watch) : Request<Stat?>(OpCodes.Exists, path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteBool(watch);
        }

        protected override bool Accepts(int error) => error == (int)ZooKeeperErrorCode.NoNode;

        protected override Stat? Read(int error, ref JuteReader body)
        {
            if (error == (int)ZooKeeperErrorCode.NoNode)
            {
                if (watch)
                {
                    client._watches.AddExist(Path!);
                }

                return null;
            }

            if (watch)
            {
                client._watches.AddData(Path!);
            }

            return body.ReadStat();
        }
    }

    private sealed class GetDataRequest(ZooKeeperClient client, string path, bool watch) : Request<NodeData>(OpCodes.GetData, path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteBool(watch);
        }

        protected override NodeData Read(int error, ref JuteReader body)
        {
            if (watch)
            {
                client._watches.AddData(Path!);
            }

            var data = body.ReadBuffer();
            return new NodeData(data, body.ReadStat());
        }
    }

    private sealed class SetDataRequest(string serverPath, string path, ReadOnlyMemory<byte> data, int version) : Request<Stat>(OpCodes.SetData, path)
    {
        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(serverPath);
            writer.WriteBuffer(data.Span);
            writer.WriteInt(version);
        }

        protected override Stat Read(int error, ref JuteReader body) => body.ReadStat();
    }

    private sealed class GetChildrenRequest(ZooKeeperClient client, string path, bool watch) : Request<ChildrenData>(OpCodes.GetChildren2, path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteBool(watch);
        }

        protected override ChildrenData Read(int error, ref JuteReader body)
        {
            if (watch)
            {
                client._watches.AddChild(Path!);
            }

            var children = body.ReadStrings();
            return new ChildrenData(children, body.ReadStat());
        }
    }
}
