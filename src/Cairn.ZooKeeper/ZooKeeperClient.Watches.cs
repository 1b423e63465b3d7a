namespace Cairn.ZooKeeper;

// Persistent watches (addWatch) and the removal of watches (removeWatches); one-shot watches come with the reads.
public sealed partial class ZooKeeperClient
{
    /// <summary>
    /// Sets a watch that stays until removed (<see cref="RemoveWatchesAsync"/> with <see cref="WatcherType.Any"/>) and
    /// survives reconnects: <see cref="AddWatchMode.Persistent"/> for the node's own events,
    /// <see cref="AddWatchMode.PersistentRecursive"/> for the created, deleted and data-changed events of the node and
    /// everything below it. The node need not exist.
    /// </summary>
    /// <param name="path">The node's path.</param>
    /// <param name="mode">Which events.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>A task that completes when the server holds the watch.</returns>
    public Task AddWatchAsync(string path, AddWatchMode mode, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a watch mode.");
        }

        return SubmitAsync(new AddWatchRequest(this, path, mode), cancellationToken);
    }

    /// <summary>
    /// Removes this client's watches of a type from a path, on the server and here; <see cref="Watched"/> then reports
    /// <see cref="WatchEventKind.DataWatchRemoved"/>, <see cref="WatchEventKind.ChildWatchRemoved"/> or
    /// <see cref="WatchEventKind.PersistentWatchRemoved"/> for what was removed.
    /// </summary>
    /// <param name="path">The node's path.</param>
    /// <param name="type">Which watches: <see cref="WatcherType.Any"/> includes persistent ones.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>A task that completes when the watches are gone.</returns>
    /// <exception cref="NoWatcherException">The server holds no such watch for this client.</exception>
    public Task RemoveWatchesAsync(string path, WatcherType type, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Not a watcher type.");
        }

        return SubmitAsync(new RemoveWatchesRequest(this, path, type), cancellationToken);
    }

    private sealed class AddWatchRequest(ZooKeeperClient client, string path, AddWatchMode mode) : Request<bool>(OpCodes.AddWatch, path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteInt((int)mode);
        }

        protected override bool Read(int error, ref JuteReader body)
        {
            client._watches.AddPersistent(Path!, mode);
            return true;
        }
    }

    private sealed class RemoveWatchesRequest(ZooKeeperClient client, string path, WatcherType type) : Request<bool>(OpCodes.RemoveWatches, path)
    {
        private readonly string _serverPath = client.ToServer(path);

        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteString(_serverPath);
            writer.WriteInt((int)type);
        }

        // On the reader, so that the "removed" events precede any event that follows the reply.
        protected override bool Read(int error, ref JuteReader body)
        {
            foreach (var kind in client._watches.Removed(Path!, type))
            {
                client.Raise(new WatchedEvent(kind, ZooKeeperState.Connected, Path));
            }

            return true;
        }
    }

    // setWatches2 (sent only while priming a connection): the watches to set again, as server paths, relative to the
    // last zxid the client saw. The server fires at once the watches whose nodes changed after that zxid.
    private sealed class SetWatchesRequest(long relativeZxid, List<string>[] lists, Microsoft.Extensions.Logging.ILogger logger)
        : Request<bool>(OpCodes.SetWatches2, null)
    {
        public override void WriteBody(JuteWriter writer)
        {
            writer.WriteLong(relativeZxid);
            foreach (var list in lists)
            {
                writer.WriteStrings(list);
            }
        }

        protected override bool Accepts(int error)
        {
            Log.SetWatchesFailed(logger, (ZooKeeperErrorCode)error);
            return true;
        }

        protected override bool Read(int error, ref JuteReader body) => true;
    }
}
