using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.ZooKeeper.Tests;

/// <summary>
/// The backend against real ZooKeeper faults: a member of a 3-server ensemble killed under load, the whole ensemble down
/// and back, a reply lost between send and receipt, and many nodes racing for one key.
/// </summary>
public sealed class ZooKeeperFaultTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task AMemberKilledUnderSixteenWriters_LosesNoAcknowledgedWrite_AndTheWritersCarryOn()
    {
        var ensemble = Own(await ZooKeeperEnsemble.StartAsync(servers: 3));
        var root = ZooKeeperBackend.NewRoot();
        var store = Own(await ZooKeeperBackend.OpenAsync(ensemble.ConnectString, root, requestTimeout: TimeSpan.FromSeconds(30)));

        var acked = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var writesAfterKill = 0;
        var killed = false;
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = $"w{w:D2}/{n:D6}";
                try
                {
                    await store.PutAsync(new PutRequest(key, Bytes(key)));
                    acked[key] = key;
                    if (Volatile.Read(ref killed))
                    {
                        Interlocked.Increment(ref writesAfterKill);
                    }
                }
                catch (UnavailableException ex)
                {
                    failures.Enqueue(ex); // allowed while the ensemble elects; the writer goes on
                }
            }
        })).ToArray();

        await Eventually.UntilAsync(() => acked.Count >= 200, TimeSpan.FromSeconds(60), "writes are acknowledged before the kill");
        // Kill every member in turn but one at a time, so whichever one the client talks to dies at some point.
        for (var member = 0; member < 3; member++)
        {
            ensemble.Member(member).Kill();
            Volatile.Write(ref killed, true);
            var before = Volatile.Read(ref writesAfterKill);
            await Eventually.UntilAsync(() => Volatile.Read(ref writesAfterKill) >= before + 100, TimeSpan.FromSeconds(60),
                $"the writers carry on after member {member} was killed");
            await ensemble.Member(member).StartAgainAsync();
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Every acknowledged write is there, read through a node that never saw the faults.
        var reader = Own(await ZooKeeperBackend.OpenAsync(ensemble.ConnectString, root));
        var all = await reader.RangeAsync(new RangeRequest(KeyRange.Prefix("w")));
        var present = all.Kvs.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value.Span));
        var lost = acked.Keys.Where(k => !present.ContainsKey(k)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.All(acked.Keys, k => Assert.Equal(k, present[k]));
    }

    [Fact]
    public async Task TheWholeEnsembleDown_FailsRequestsQuicklyWithUnavailable_AndTheStoreServesAgainWhenItIsBack()
    {
        var ensemble = Own(await ZooKeeperEnsemble.StartAsync(servers: 1));
        var store = Own(await ZooKeeperBackend.OpenAsync(ensemble.ConnectString, ZooKeeperBackend.NewRoot(), requestTimeout: TimeSpan.FromSeconds(3)));
        await store.PutAsync(new PutRequest("before", Bytes("1")));

        await ensemble.Member(0).StopAsync();
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<UnavailableException>(async () => await store.PutAsync(new PutRequest("during", Bytes("2"))));
        await Assert.ThrowsAsync<UnavailableException>(async () => await store.RangeAsync(new RangeRequest(KeyRange.Single("before"))));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"two requests to a dead ensemble took {clock.Elapsed.TotalSeconds:0.0} s");

        await ensemble.Member(0).StartAgainAsync();
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await store.PutAsync(new PutRequest("after", Bytes("3")));
                return true;
            }
            catch (UnavailableException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the same store writes again once ZooKeeper is back");
        var read = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("")));
        Assert.Contains(read.Kvs, kv => kv.Key == "before");
        Assert.Contains(read.Kvs, kv => kv.Key == "after");
    }

    [Fact]
    public async Task AReplyLostBetweenSendAndReceipt_DoesNotWriteTwice()
    {
        var ensemble = Own(await ZooKeeperEnsemble.StartAsync(servers: 1));
        var proxy = Own(await TcpProxy.StartAsync("127.0.0.1", ensemble.Member(0).ClientPort));
        var root = ZooKeeperBackend.NewRoot();
        var store = Own(await ZooKeeperBackend.OpenAsync(proxy.Endpoint, root));
        var start = (await store.StatusAsync()).Revision;

        // The append's multi (opcode 14) reaches ZooKeeper; the connection is cut before its reply.
        proxy.DropAfterNextZooKeeperRequest(14);
        var put = await store.PutAsync(new PutRequest("once", Bytes("v")));
        Assert.Equal(1, proxy.RepliesDropped);

        Assert.Equal(start + 1, put.Revision);
        var direct = Own(await ZooKeeperBackend.OpenAsync(ensemble.ConnectString, root));
        var status = await direct.StatusAsync();
        Assert.Equal(start + 1, status.Revision);
        var kv = Assert.Single((await direct.RangeAsync(new RangeRequest(KeyRange.Single("once")))).Kvs);
        Assert.Equal(1, kv.Version);
    }

    [Fact]
    public async Task TwentyNodesCreatingOneKeyAtOnce_ExactlyOneWins()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var root = ZooKeeperBackend.NewRoot();
        var nodes = new List<IKeyspace>();
        for (var i = 0; i < 20; i++)
        {
            nodes.Add(Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, root)));
        }

        using var go = new ManualResetEventSlim();
        var attempts = nodes.Select((node, i) => Task.Run(async () =>
        {
            go.Wait();
            var txn = new TxnRequest(
                [Compare.CreateRevision("the-key", CompareResult.Equal, 0)],
                [new PutRequest("the-key", Bytes($"node {i}"))],
                []);
            return (await node.TxnAsync(txn)).Succeeded;
        })).ToArray();
        go.Set();
        var won = await Task.WhenAll(attempts);

        Assert.Equal(1, won.Count(w => w));
        var kv = Assert.Single((await nodes[0].RangeAsync(new RangeRequest(KeyRange.Single("the-key")))).Kvs);
        Assert.Equal(1, kv.Version);
        Assert.Equal($"node {Array.IndexOf(won, true)}", Encoding.UTF8.GetString(kv.Value.Span));
    }

    [Fact]
    public async Task KeysZooKeeperCouldNotName_RoundTrip()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var store = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, ZooKeeperBackend.NewRoot()));
        string[] keys = ["/", "a/b/c", "..", ".", "zookeeper", "/zookeeper/quota", "tab\there", "\u0001\u007f\u0085", "emoji 🪨🧗", new string('k', 4096)];
        foreach (var key in keys)
        {
            await store.PutAsync(new PutRequest(key, Bytes("value of " + key)));
        }

        foreach (var key in keys)
        {
            var kv = Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single(key)))).Kvs);
            Assert.Equal("value of " + key, Encoding.UTF8.GetString(kv.Value.Span));
        }

        var all = (await store.RangeAsync(new RangeRequest(KeyRange.All))).Kvs.Select(kv => kv.Key).ToList();
        Assert.Equal(keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance).ToList(), all);
    }

    [Fact]
    public async Task APrefixRangeOverFiftyThousandKeys_ReturnsThemInByteOrder()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var store = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, ZooKeeperBackend.NewRoot()));
        var random = new Random(7);
        var keys = Enumerable.Range(0, 50_000).Select(i => $"p/{random.Next():x8}-{i}").ToList();
        foreach (var chunk in keys.Chunk(100))
        {
            await store.TxnAsync(new TxnRequest([], [.. chunk.Select(k => (KvRequest)new PutRequest(k, Bytes("x")))], []));
        }

        await store.PutAsync(new PutRequest("q", Bytes("outside")));
        var range = await store.RangeAsync(new RangeRequest(KeyRange.Prefix("p/")) { KeysOnly = true });
        Assert.Equal(50_000, range.Kvs.Count);
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal).ToList(), range.Kvs.Select(kv => kv.Key).ToList());
    }

    [Fact]
    public async Task ALargeValue_IsWrittenInChunks_AndReadByAnotherNode()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var root = ZooKeeperBackend.NewRoot();
        var a = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, root));
        var b = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, root));
        var value = new byte[1024 * 1024];
        new Random(3).NextBytes(value);
        await a.PutAsync(new PutRequest("big", value));
        var kv = Assert.Single((await b.RangeAsync(new RangeRequest(KeyRange.Single("big")))).Kvs);
        Assert.True(kv.Value.Span.SequenceEqual(value));
    }

    [Fact]
    public async Task ANewNode_StartsFromTheSnapshot_AfterTheLogWasTruncated()
    {
        var server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var root = ZooKeeperBackend.NewRoot();
        var a = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, root, snapshotEvery: 20));
        for (var i = 0; i < 100; i++)
        {
            await a.PutAsync(new PutRequest($"k{i % 7}", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        var b = Own(await ZooKeeperBackend.OpenAsync(server.ConnectString, root, snapshotEvery: 20));
        var fromA = await a.RangeAsync(new RangeRequest(KeyRange.All));
        var fromB = await b.RangeAsync(new RangeRequest(KeyRange.All));
        Assert.Equal(fromA.Revision, fromB.Revision);
        Assert.Equal(
            fromA.Kvs.Select(kv => (kv.Key, kv.ModRevision, kv.Version, Encoding.UTF8.GetString(kv.Value.Span))),
            fromB.Kvs.Select(kv => (kv.Key, kv.ModRevision, kv.Version, Encoding.UTF8.GetString(kv.Value.Span))));
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
