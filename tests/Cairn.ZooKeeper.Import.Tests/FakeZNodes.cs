namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>A tree of znodes in memory, for the tests of how layouts are read (the real server's tests are elsewhere).
/// Znodes are created in the order they are added (their czxid).</summary>
internal sealed class FakeZNodes : IZNodeSource
{
    private readonly SortedDictionary<string, ZNode> _nodes = new(StringComparer.Ordinal) { ["/"] = new ZNode(Array.Empty<byte>(), 0, 0) };
    private long _zxid;

    /// <summary>Adds <paramref name="path"/> (and its missing parents, empty).</summary>
    public FakeZNodes Add(string path, byte[]? data = null, long ephemeralOwner = 0)
    {
        var parent = path[..path.LastIndexOf('/')];
        if (parent.Length > 0 && !_nodes.ContainsKey(parent))
        {
            Add(parent);
        }

        _nodes[path] = new ZNode(data ?? [], ++_zxid, ephemeralOwner);
        return this;
    }

    public FakeZNodes Add(string path, string data, long ephemeralOwner = 0) => Add(path, System.Text.Encoding.UTF8.GetBytes(data), ephemeralOwner);

    public Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken)
    {
        if (!_nodes.ContainsKey(path))
        {
            return Task.FromResult<IReadOnlyList<string>?>(null);
        }

        var prefix = path == "/" ? "/" : path + "/";
        IReadOnlyList<string> children = _nodes.Keys
            .Where(k => k.Length > prefix.Length && k.StartsWith(prefix, StringComparison.Ordinal) && !k[prefix.Length..].Contains('/', StringComparison.Ordinal))
            .Select(k => k[prefix.Length..])
            .Reverse() // ZooKeeper promises no order
            .ToList();
        return Task.FromResult<IReadOnlyList<string>?>(children);
    }

    public Task<ZNode?> GetDataAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(_nodes.TryGetValue(path, out var node) ? node : null);
}
