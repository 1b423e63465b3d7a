using System.Text;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>
/// The base of every contract suite: one store per test (xunit makes one class instance per test), opened empty by the
/// backend provider the suite was given, and reached only through <see cref="IKeyspace"/>.
/// </summary>
/// <remarks>
/// A test assembly runs a suite on a backend with one line, e.g.
/// <c>public sealed class SqliteRangeTests(SqliteBackend b) : RangeConformance(b), IClassFixture&lt;SqliteBackend&gt;;</c>.
/// Tests assert revisions relative to <see cref="StartRevision"/>, so a backend whose empty store is not brand-new (one
/// etcd shared by the assembly) passes every suite; the test about a brand-new store asks the provider for one.
/// </remarks>
/// <param name="backend">The provider of empty stores.</param>
public abstract class KeyspaceConformance(Backend backend) : IAsyncLifetime
{
    private IKeyspace? _store;

    /// <summary>The backend under test.</summary>
    protected Backend Backend { get; } = backend;

    /// <summary>A directory of this test's own, removed after it.</summary>
    protected string Scratch { get; } = Directory.CreateTempSubdirectory("cairn-conformance-").FullName;

    /// <summary>The store under test.</summary>
    protected IKeyspace Store => _store ?? throw new InvalidOperationException("The store is not open yet.");

    /// <summary>The store revision before the test wrote anything.</summary>
    protected long StartRevision { get; private set; }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _store = await Backend.OpenEmptyAsync(Scratch);
        StartRevision = (await _store.StatusAsync()).Revision;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }

        Directory.Delete(Scratch, recursive: true);
    }

    /// <summary>UTF-8 bytes of <paramref name="text"/>.</summary>
    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A value read back as UTF-8 text.</summary>
    protected static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    /// <summary>Puts <paramref name="key"/> = <paramref name="value"/>.</summary>
    protected async Task<PutResult> PutAsync(string key, string value, bool prevKv = false) =>
        await Store.PutAsync(new PutRequest(key, Bytes(value)) { PrevKv = prevKv });

    /// <summary>Deletes the keys in <paramref name="range"/>.</summary>
    protected async Task<DeleteResult> DeleteAsync(KeyRange range, bool prevKvs = false) =>
        await Store.DeleteAsync(new DeleteRequest(range) { PrevKvs = prevKvs });

    /// <summary>Reads one key at <paramref name="revision"/> (0 = latest); null when absent.</summary>
    protected async Task<KeyValue?> GetAsync(string key, long revision = 0)
    {
        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Single(key)) { Revision = revision });
        Assert.True(result.Kvs.Count <= 1, $"A single-key read of '{key}' returned {result.Kvs.Count} keys.");
        return result.Kvs.Count == 0 ? null : Assert.Single(result.Kvs, kv => kv.Key == key);
    }

    /// <summary>Reads a range.</summary>
    protected async Task<RangeResult> RangeAsync(KeyRange range, long revision = 0, long limit = 0) =>
        await Store.RangeAsync(new RangeRequest(range) { Revision = revision, Limit = limit });

    /// <summary>The keys a range holds at <paramref name="revision"/>, in the order the store returned them.</summary>
    protected async Task<IReadOnlyList<string>> KeysAsync(KeyRange range, long revision = 0) =>
        (await RangeAsync(range, revision)).Kvs.Select(kv => kv.Key).ToList();

    /// <summary>The store's current revision.</summary>
    protected async Task<long> RevisionAsync() => (await Store.StatusAsync()).Revision;

    /// <summary>Runs a txn.</summary>
    protected async Task<TxnResult> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<KvRequest> success, IReadOnlyList<KvRequest>? failure = null) =>
        await Store.TxnAsync(new TxnRequest(compares, success, failure ?? []));

    /// <summary>A put request for a txn.</summary>
    protected static PutRequest Put(string key, string value) => new(key, Bytes(value));

    /// <summary>A range request for a txn.</summary>
    protected static RangeRequest Get(string key) => new(KeyRange.Single(key));

    /// <summary>Opens a watch (it starts at its first read); dispose it to cancel.</summary>
    protected WatchCursor Watch(KeyRange range, long startRevision = 0, bool prevKv = false, TimeSpan? progressInterval = null) =>
        new(Store, new WatchRequest(range) { StartRevision = startRevision, PrevKv = prevKv, ProgressInterval = progressInterval ?? TimeSpan.Zero });

    /// <summary>One event as text, to compare sequences with a readable diff.</summary>
    protected static string Describe(WatchEvent change) =>
        $"{change.Type} {change.Kv.Key}={Text(change.Kv.Value)} c{change.Kv.CreateRevision} m{change.Kv.ModRevision} v{change.Kv.Version}";

    /// <summary>The events of <paramref name="responses"/>, in order.</summary>
    protected static IEnumerable<WatchEvent> Flatten(IEnumerable<WatchResponse> responses) => responses.SelectMany(r => r.Events);
}
