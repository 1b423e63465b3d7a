using System.Globalization;
using System.Text;
using Cairn.Core;
using Cairn.Storage.Replicated;

namespace Cairn.Storage.Tests;

/// <summary>Replicated keyspace nodes on one <see cref="MemoryKeyspaceLog"/>, all in this process; disposing the
/// cluster disposes every node still open.</summary>
internal sealed class Cluster(ReplicatedKeyspaceOptions? options = null) : IAsyncDisposable
{
    private readonly List<ReplicatedKeyspace> _nodes = [];

    /// <summary>The cluster's own handle on the log, to look at it.</summary>
    public MemoryKeyspaceLog Log { get; } = new();

    public ReplicatedKeyspaceOptions Options { get; } = options ?? new ReplicatedKeyspaceOptions { BackendName = "memory" };

    /// <summary>Opens a node on a handle of its own, through <paramref name="wrap"/> if given.</summary>
    public async Task<ReplicatedKeyspace> AddAsync(Func<IKeyspaceLog, IKeyspaceLog>? wrap = null, ReplicatedKeyspaceOptions? options = null)
    {
        IKeyspaceLog handle = Log.Connect();
        var node = await ReplicatedKeyspace.OpenAsync(wrap is null ? handle : wrap(handle), options ?? Options);
        _nodes.Add(node);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Log.DisposeAsync();
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static async Task<KeyValue?> GetAsync(IKeyspace node, string key, long revision = 0) =>
        (await node.RangeAsync(new RangeRequest(KeyRange.Single(key)) { Revision = revision })).Kvs.SingleOrDefault();

    /// <summary>Everything a reader can tell of the keys at <paramref name="revision"/>, as text.</summary>
    public static async Task<string> DumpAsync(IKeyspace node, long revision = 0)
    {
        var result = await node.RangeAsync(new RangeRequest(KeyRange.All) { Revision = revision });
        return $"@{result.Revision} " + string.Join(", ", result.Kvs.Select(kv => $"{kv.Key}={Text(kv.Value)} c{kv.CreateRevision} m{kv.ModRevision} v{kv.Version} l{kv.Lease}"));
    }
}
