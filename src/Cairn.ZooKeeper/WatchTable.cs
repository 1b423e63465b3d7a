namespace Cairn.ZooKeeper;

// The watches the server holds for this client, by chroot-relative path, kept so that a reconnect can set them again
// (setWatches). One-shot watches leave when they fire; persistent ones stay until removed. The reader changes it (on
// replies and notifications), the connection loop reads it between connections; one lock.
internal sealed class WatchTable
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _data = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exist = new(StringComparer.Ordinal);
    private readonly HashSet<string> _child = new(StringComparer.Ordinal);
    private readonly HashSet<string> _persistent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recursive = new(StringComparer.Ordinal);

    public void AddData(string path) => Add(_data, path);

    public void AddExist(string path) => Add(_exist, path);

    public void AddChild(string path) => Add(_child, path);

    public void AddPersistent(string path, AddWatchMode mode) => Add(mode == AddWatchMode.PersistentRecursive ? _recursive : _persistent, path);

    // A notification fired the one-shot watches it concerns (as the Java client's ZKWatchManager.materialize).
    public void Fired(WatchEventKind kind, string path)
    {
        lock (_lock)
        {
            switch (kind)
            {
                case WatchEventKind.NodeCreated or WatchEventKind.NodeDataChanged:
                    _data.Remove(path);
                    _exist.Remove(path);
                    break;
                case WatchEventKind.NodeDeleted:
                    _data.Remove(path);
                    _exist.Remove(path);
                    _child.Remove(path);
                    break;
                case WatchEventKind.NodeChildrenChanged:
                    _child.Remove(path);
                    break;
            }
        }
    }

    // The server removed the watches of a type from a path; returns the kinds of "removed" events to raise.
    public List<WatchEventKind> Removed(string path, WatcherType type)
    {
        var kinds = new List<WatchEventKind>(3);
        lock (_lock)
        {
            if (type is WatcherType.Children or WatcherType.Any && _child.Remove(path))
            {
                kinds.Add(WatchEventKind.ChildWatchRemoved);
            }

            if (type is WatcherType.Data or WatcherType.Any && (_data.Remove(path) | _exist.Remove(path)))
            {
                kinds.Add(WatchEventKind.DataWatchRemoved);
            }

            if (type is WatcherType.Any && (_persistent.Remove(path) | _recursive.Remove(path)))
            {
                kinds.Add(WatchEventKind.PersistentWatchRemoved);
            }
        }

        return kinds;
    }

    public (List<string> Data, List<string> Exist, List<string> Child, List<string> Persistent, List<string> Recursive) Snapshot()
    {
        lock (_lock)
        {
            return ([.. _data], [.. _exist], [.. _child], [.. _persistent], [.. _recursive]);
        }
    }

    private void Add(HashSet<string> set, string path)
    {
        lock (_lock)
        {
            set.Add(path);
        }
    }
}
