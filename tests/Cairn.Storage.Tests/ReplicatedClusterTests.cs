using Cairn.Conformance;
using Cairn.Core;
using Cairn.Storage.Replicated;
using Cairn.Testing;
using Microsoft.Extensions.Time.Testing;
using static Cairn.Storage.Tests.Cluster;

namespace Cairn.Storage.Tests;

/// <summary>
/// Several replicated keyspace nodes on one log, as a cluster of <c>cairn serve</c> processes on one ZooKeeper: every
/// node sees every acknowledged write at once, concurrent writers on different nodes lose no update and share one
/// dense order of revisions, watches and lease expiry work across nodes, and a node joins or recovers from snapshots.
/// </summary>
public sealed class ReplicatedClusterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Writes_OnA_AreReadOnB_AsSoonAsTheyAreAcknowledged()
    {
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync();

        for (var i = 0; i < 200; i++)
        {
            var key = $"k/{i % 10}";
            var put = await a.PutAsync(new PutRequest(key, Bytes(Number(i))));
            var seen = await b.RangeAsync(new RangeRequest(KeyRange.Single(key)));

            Assert.Equal(put.Revision, seen.Revision);
            Assert.Equal((Number(i), put.Revision), (Text(Assert.Single(seen.Kvs).Value), seen.Kvs[0].ModRevision));
            if (i % 7 == 0)
            {
                var deleted = await a.DeleteAsync(new DeleteRequest(KeyRange.Single(key)));
                Assert.Equal(1, deleted.Deleted);
                Assert.Null(await GetAsync(b, key));
            }
        }

        var lease = await a.GrantLeaseAsync(60);
        Assert.Equal(60, (await b.LeaseTimeToLiveAsync(lease.Id))?.GrantedTtlSeconds);
        var compacted = await a.CompactAsync((await a.StatusAsync()).Revision);
        Assert.Equal(compacted.CompactRevision, (await b.StatusAsync()).CompactRevision);
        Assert.Equal(await DumpAsync(a), await DumpAsync(b));
    }

    [Fact]
    public async Task AStaleNode_AnswersOnlyFromTheLatestState_EvenWhenItsWritesWriteNothing()
    {
        // B hears of nothing A does (no hints, no periodic reads): whatever it answers must still be linearizable.
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync(log => new FaultyLog(log) { DropHints = true }, cluster.Options with { CatchUpInterval = TimeSpan.FromHours(1) });

        for (var i = 0; i < 50; i++)
        {
            var key = $"stale/{i}";
            var lease = await a.GrantLeaseAsync(600);
            await a.PutAsync(new PutRequest(key, Bytes("1")));

            // Evaluated on B's stale state these would delete nothing, fail the compare and miss the lease.
            var txn = await b.TxnAsync(new TxnRequest([Compare.Version(key, CompareResult.Equal, 1)], [new PutRequest(key, Bytes("2")) { Lease = lease.Id }], []));
            Assert.True(txn.Succeeded, $"B's compare on '{key}' saw a state older than A's acknowledged put.");
            var deleted = await b.DeleteAsync(new DeleteRequest(KeyRange.Single(key)) { PrevKvs = true });
            Assert.Equal("2", Text(Assert.Single(deleted.PrevKvs).Value));
            await a.PutAsync(new PutRequest(key, Bytes("3")));
            var missing = await b.DeleteAsync(new DeleteRequest(KeyRange.Single(key + "/none")));
            Assert.Equal(0, missing.Deleted);
            Assert.Equal("3", Text((await GetAsync(b, key))!.Value));
        }
    }

    [Fact]
    public async Task CasIncrements_By8WritersOnEachOf3Nodes_LoseNoUpdate_AndShareOneDenseOrderOfRevisions()
    {
        const int WritersPerNode = 8;
        const int Attempts = 15;
        await using var cluster = new Cluster();
        var nodes = new[] { await cluster.AddAsync(), await cluster.AddAsync(), await cluster.AddAsync() };
        var start = (await nodes[0].PutAsync(new PutRequest("counter", Bytes("0")))).Revision;

        var successes = await Task.WhenAll(nodes.SelectMany(node => Enumerable.Range(0, WritersPerNode).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var current = (await GetAsync(node, "counter"))!;
                var next = long.Parse(Text(current.Value), System.Globalization.CultureInfo.InvariantCulture) + 1;
                var txn = await node.TxnAsync(new TxnRequest(
                    [Compare.ModRevision("counter", CompareResult.Equal, current.ModRevision)],
                    [new PutRequest("counter", Bytes(Number(next)))],
                    []));
                if (txn.Succeeded)
                {
                    mine.Add(txn.Revision);
                }
            }

            return mine;
        }))));

        var revisions = successes.SelectMany(s => s).Order().ToList();
        Assert.NotEmpty(revisions);
        foreach (var node in nodes)
        {
            var final = (await GetAsync(node, "counter"))!;
            Assert.Equal(Number(revisions.Count), Text(final.Value));
            Assert.Equal(revisions.Count + 1, final.Version);
            Assert.Equal(revisions[^1], final.ModRevision);
        }

        // Only these writes happened after the first put: they took every revision after it, each exactly once.
        Assert.Equal(Enumerable.Range(1, revisions.Count).Select(i => start + i), revisions);
    }

    [Fact]
    public async Task AWatchOnB_FromRevisionOne_SeesEveryWriteMadeOnAAndC_InRevisionOrder_WithPrevKv()
    {
        const int WritesPerNode = 150;
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync();
        var c = await cluster.AddAsync();
        await using var watch = new WatchCursor(b, new WatchRequest(KeyRange.Prefix("w/")) { StartRevision = 1, PrevKv = true, ProgressInterval = TimeSpan.Zero });

        async Task<List<(long Revision, string Change)>> WriteAsync(IKeyspace node, string name)
        {
            var acknowledged = new List<(long, string)>();
            for (var i = 0; i < WritesPerNode; i++)
            {
                var key = $"w/{i % 6}";
                if (i % 9 == 8)
                {
                    var deleted = await node.DeleteAsync(new DeleteRequest(KeyRange.Single(key)));
                    if (deleted.Deleted > 0)
                    {
                        acknowledged.Add((deleted.Revision, $"Delete {key}="));
                    }
                }
                else
                {
                    var value = $"{name}{i}";
                    acknowledged.Add(((await node.PutAsync(new PutRequest(key, Bytes(value)))).Revision, $"Put {key}={value}"));
                }
            }

            return acknowledged;
        }

        var writes = await Task.WhenAll(Task.Run(() => WriteAsync(a, "a")), Task.Run(() => WriteAsync(c, "c")));
        var expected = writes.SelectMany(w => w).OrderBy(w => w.Revision).ToList();

        var responses = await watch.ReadEventsAsync(expected.Count);
        var events = responses.SelectMany(r => r.Events.Select(e => (r.Revision, Event: e))).ToList();
        Assert.Equal(expected.Select(e => e.Revision), responses.Select(r => r.Revision));
        Assert.Equal(expected.Select(e => $"{e.Revision} {e.Change}"), events.Select(e => $"{e.Event.Kv.ModRevision} {e.Event.Type} {e.Event.Kv.Key}={Text(e.Event.Kv.Value)}"));

        // Each event's previous key-value is the key as the event before it on that key left it.
        var model = new Dictionary<string, KeyValue>();
        foreach (var (_, change) in events)
        {
            model.TryGetValue(change.Kv.Key, out var before);
            Assert.Equal(before is null ? null : $"{Text(before.Value)}@{before.ModRevision}", change.PrevKv is null ? null : $"{Text(change.PrevKv.Value)}@{change.PrevKv.ModRevision}");
            if (change.Type == WatchEventType.Put)
            {
                model[change.Kv.Key] = change.Kv;
            }
            else
            {
                model.Remove(change.Kv.Key);
            }
        }
    }

    [Fact]
    public async Task ALeaseGrantedOnA_Expires_ThoughAIsGone_AndWatchersSeeTheDeletes()
    {
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync();
        var c = await cluster.AddAsync();
        var lease = await a.GrantLeaseAsync(2);
        var put = await a.TxnAsync(new TxnRequest([], [new PutRequest("session/x", Bytes("1")) { Lease = lease.Id }, new PutRequest("session/y", Bytes("1")) { Lease = lease.Id }], []));
        await using var watch = new WatchCursor(b, new WatchRequest(KeyRange.Prefix("session/")) { StartRevision = put.Revision + 1 });

        await a.DisposeAsync();
        var response = await watch.NextEventsAsync(Deadline);

        Assert.Equal(["Delete session/x", "Delete session/y"], response.Events.Select(e => $"{e.Type} {e.Kv.Key}"));
        Assert.Equal(put.Revision + 1, response.Revision);
        Assert.Null(await c.LeaseTimeToLiveAsync(lease.Id));
        Assert.Empty((await c.RangeAsync(new RangeRequest(KeyRange.Prefix("session/")))).Kvs);
        Assert.Equal(put.Revision + 1, (await c.StatusAsync()).Revision);
    }

    [Fact]
    public async Task Leases_ExpireByTheStoreClock_ARenewalOnOneNodeHoldsOnTheOther_AndTwoSweepersExpireALeaseOnce()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var sweep = TimeSpan.FromMilliseconds(1);
        await using var cluster = new Cluster(new ReplicatedKeyspaceOptions { BackendName = "memory", Time = clock, LeaseSweepInterval = sweep });
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync();

        // Lets both sweepers run (a sweep interval of fake time per step, a few milliseconds in all) until `done`.
        async Task SweepUntilAsync(Func<Task<bool>> done, string what)
        {
            var running = System.Diagnostics.Stopwatch.StartNew();
            while (!await done())
            {
                Assert.True(running.Elapsed < Deadline, $"Not {what} within {Deadline.TotalSeconds} s of real time.");
                clock.Advance(sweep);
                await Task.Delay(5);
            }
        }

        var lease = await a.GrantLeaseAsync(10);
        await a.PutAsync(new PutRequest("k", Bytes("v")) { Lease = lease.Id });
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(10, (await b.KeepAliveLeaseAsync(lease.Id)).RemainingTtlSeconds);

        // Past the granted deadline, before the renewed one; the canary's expiry proves the sweepers ran at this time.
        var canary = await b.GrantLeaseAsync(1);
        await b.PutAsync(new PutRequest("canary", Bytes("v")) { Lease = canary.Id });
        clock.Advance(TimeSpan.FromSeconds(5));
        await SweepUntilAsync(async () => await GetAsync(a, "canary") is null, "the canary expired");
        Assert.NotNull(await GetAsync(a, "k"));
        Assert.Equal(5, (await a.LeaseTimeToLiveAsync(lease.Id))?.RemainingTtlSeconds);

        var before = (await a.StatusAsync()).Revision;
        await using var watch = new WatchCursor(a, new WatchRequest(KeyRange.Single("k")) { StartRevision = before + 1, ProgressInterval = TimeSpan.Zero });
        clock.Advance(TimeSpan.FromSeconds(5));
        await SweepUntilAsync(async () => await GetAsync(b, "k") is null, "the lease expired");

        var response = await watch.NextEventsAsync(Deadline);
        Assert.Equal((before + 1, WatchEventType.Delete), (response.Revision, Assert.Single(response.Events).Type));
        Assert.Equal(before + 1, (await a.StatusAsync()).Revision);
        Assert.Equal(before + 1, (await b.StatusAsync()).Revision);
        Assert.Null(await a.LeaseTimeToLiveAsync(lease.Id));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => b.KeepAliveLeaseAsync(lease.Id).AsTask());
    }

    [Fact]
    public async Task ANewNode_OpensFromTheSnapshotAndTheTail_AndAnswersExactlyAsTheOthers()
    {
        await using var cluster = new Cluster(new ReplicatedKeyspaceOptions { BackendName = "memory", SnapshotEvery = 50 });
        var a = await cluster.AddAsync();
        var b = await cluster.AddAsync();
        var lease = await a.GrantLeaseAsync(600);
        long compactedAt = 0;
        for (var i = 0; i < 500; i++)
        {
            var node = i % 3 == 0 ? b : a;
            var key = $"k/{i % 40}";
            if (i % 25 == 24)
            {
                await node.DeleteAsync(new DeleteRequest(KeyRange.Single(key)));
            }
            else
            {
                await node.PutAsync(new PutRequest(key, Bytes(Number(i))) { Lease = i % 10 == 0 ? lease.Id : 0 });
            }

            if (i == 200)
            {
                compactedAt = (await node.CompactAsync((await node.StatusAsync()).Revision - 20)).CompactRevision;
            }
        }

        var last = await cluster.Log.LastIndexAsync();
        var snapshotAt = last / 50 * 50;
        await Eventually.UntilAsync(async () => (await cluster.Log.ReadSnapshotAsync())?.Index == snapshotAt && cluster.Log.FirstIndex == snapshotAt - 50 + 1, Deadline, $"the snapshot at index {snapshotAt} is written and the log truncated before index {snapshotAt - 50 + 1}");

        var d = await cluster.AddAsync();

        var status = await a.StatusAsync();
        Assert.Equal(status, await d.StatusAsync());
        for (var revision = compactedAt; revision <= status.Revision; revision += 7)
        {
            Assert.Equal(await DumpAsync(a, revision), await DumpAsync(d, revision));
        }

        Assert.Equal(await DumpAsync(a), await DumpAsync(d));
        await Assert.ThrowsAsync<CompactedException>(() => d.RangeAsync(new RangeRequest(KeyRange.All) { Revision = compactedAt - 1 }).AsTask());
        var leaseOnA = (await a.LeaseTimeToLiveAsync(lease.Id, includeKeys: true))!;
        var leaseOnD = (await d.LeaseTimeToLiveAsync(lease.Id, includeKeys: true))!;
        Assert.NotEmpty(leaseOnA.Keys);
        Assert.Equal(leaseOnA.Keys, leaseOnD.Keys);
        Assert.Equal(leaseOnA.GrantedTtlSeconds, leaseOnD.GrantedTtlSeconds);
        Assert.Equal(await WatchAllAsync(a, compactedAt, status.Revision), await WatchAllAsync(d, compactedAt, status.Revision));

        // D takes part like any node.
        var put = await d.PutAsync(new PutRequest("from-d", Bytes("1")));
        Assert.Equal(put.Revision, (await GetAsync(a, "from-d"))!.ModRevision);
    }

    [Fact]
    public async Task ANodeThatLaggedBehindATruncation_RestoresTheSnapshot_AndItsWatchersMissNothing()
    {
        await using var cluster = new Cluster(new ReplicatedKeyspaceOptions { BackendName = "memory", SnapshotEvery = 20 });
        var a = await cluster.AddAsync();
        FaultyLog? slow = null;
        var b = await cluster.AddAsync(log => slow = new FaultyLog(log));
        var first = await a.PutAsync(new PutRequest("lag/start", Bytes("0")));
        Assert.NotNull(await GetAsync(b, "lag/start"));
        await using var watch = new WatchCursor(b, new WatchRequest(KeyRange.Prefix("lag/")) { StartRevision = first.Revision + 1, PrevKv = true, ProgressInterval = TimeSpan.FromMilliseconds(20) });
        Assert.True((await watch.NextAsync()).IsProgressNotify);

        slow!.PauseReads();
        var revisions = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            revisions.Add((await a.PutAsync(new PutRequest($"lag/{i % 10}", Bytes(Number(i))))).Revision);
        }

        // B stopped at entry 1; it needs entry 2, which the truncation drops.
        await Eventually.UntilAsync(() => cluster.Log.FirstIndex > 2, Deadline, "the log is truncated past B's position");
        slow.ResumeReads();

        var responses = await watch.ReadEventsAsync(100);
        Assert.Equal(revisions, responses.Select(r => r.Revision));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"lag/{i % 10}={i} prev={(i < 10 ? "none" : Number(i - 10))}"), responses.SelectMany(r => r.Events).Select(e => $"{e.Kv.Key}={Text(e.Kv.Value)} prev={(e.PrevKv is null ? "none" : Text(e.PrevKv.Value))}"));
        Assert.Equal(await DumpAsync(a), await DumpAsync(b));
        var put = await b.PutAsync(new PutRequest("lag/from-b", Bytes("1")));
        Assert.Equal(put.Revision, (await GetAsync(a, "lag/from-b"))!.ModRevision);
    }

    [Fact]
    public async Task ANodeThatLaggedBehindATruncation_FailsItsWatchers_WithCompacted_WhenWhatTheyNeedWasCompactedMeanwhile()
    {
        await using var cluster = new Cluster(new ReplicatedKeyspaceOptions { BackendName = "memory", SnapshotEvery = 20 });
        var a = await cluster.AddAsync();
        FaultyLog? slow = null;
        var b = await cluster.AddAsync(log => slow = new FaultyLog(log));
        var first = await a.PutAsync(new PutRequest("lag/start", Bytes("0")));
        Assert.NotNull(await GetAsync(b, "lag/start"));
        await using var watch = new WatchCursor(b, new WatchRequest(KeyRange.Prefix("lag/")) { StartRevision = first.Revision + 1, ProgressInterval = TimeSpan.FromMilliseconds(20) });
        Assert.True((await watch.NextAsync()).IsProgressNotify);

        slow!.PauseReads();
        for (var i = 0; i < 100; i++)
        {
            await a.PutAsync(new PutRequest($"lag/{i % 10}", Bytes(Number(i))));
        }

        var compacted = await a.CompactAsync((await a.StatusAsync()).Revision);
        var compactIndex = await cluster.Log.LastIndexAsync();
        for (var i = 0; i < 60; i++)
        {
            await a.PutAsync(new PutRequest("lag/after", Bytes(Number(i))));
        }

        await Eventually.UntilAsync(
            async () => (await cluster.Log.ReadSnapshotAsync())?.Index > compactIndex && cluster.Log.FirstIndex > 2,
            Deadline,
            "a snapshot after the compaction is written and the log truncated past B's position");
        slow.ResumeReads();

        var error = await Assert.ThrowsAsync<CompactedException>(() => watch.NextEventsAsync());
        Assert.Equal(compacted.CompactRevision, error.CompactRevision);
        Assert.Equal(await DumpAsync(a), await DumpAsync(b));
    }

    [Fact]
    public async Task ALogThatIsUnavailable_FailsWritesAndReadsWithUnavailable_WithoutHanging_AndTheNodeServesAgainAfterwards()
    {
        await using var cluster = new Cluster();
        FaultyLog? log = null;
        var a = await cluster.AddAsync(inner => log = new FaultyLog(inner));
        await a.PutAsync(new PutRequest("k", Bytes("1")));

        log!.Fault = new UnavailableException("ZooKeeper cannot be reached (test).");
        await Assert.ThrowsAsync<UnavailableException>(() => a.PutAsync(new PutRequest("k", Bytes("lost"))).AsTask().WaitAsync(Deadline));
        await Assert.ThrowsAsync<UnavailableException>(() => a.DeleteAsync(new DeleteRequest(KeyRange.Single("missing"))).AsTask().WaitAsync(Deadline));
        await Assert.ThrowsAsync<UnavailableException>(() => a.RangeAsync(new RangeRequest(KeyRange.Single("k"))).AsTask().WaitAsync(Deadline));
        await Assert.ThrowsAsync<UnavailableException>(() => a.GrantLeaseAsync(60).AsTask().WaitAsync(Deadline));

        log.Fault = null;
        log.AppendFault = new UnavailableException("ZooKeeper refuses writes (test).");
        await Assert.ThrowsAsync<UnavailableException>(() => a.PutAsync(new PutRequest("k", Bytes("lost"))).AsTask().WaitAsync(Deadline));
        Assert.Equal("1", Text((await GetAsync(a, "k"))!.Value));

        log.AppendFault = null;
        var put = await a.PutAsync(new PutRequest("k", Bytes("2")));
        var kv = (await GetAsync(a, "k"))!;
        Assert.Equal(("2", 2L, put.Revision), (Text(kv.Value), kv.Version, kv.ModRevision));
    }

    [Fact]
    public async Task AnEntryOfAnUnknownFormat_StopsTheNodeWithCorrupt_InsteadOfServingAGuess()
    {
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        await a.PutAsync(new PutRequest("k", Bytes("1")));

        Assert.True(await cluster.Log.TryAppendAsync(await cluster.Log.LastIndexAsync(), new byte[] { 99, 1, 2, 3 }));

        var error = await Assert.ThrowsAsync<CorruptException>(() => a.RangeAsync(new RangeRequest(KeyRange.Single("k"))).AsTask().WaitAsync(Deadline));
        Assert.Contains("format version 99", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CorruptException>(() => a.PutAsync(new PutRequest("k", Bytes("2"))).AsTask().WaitAsync(Deadline));
        await Assert.ThrowsAsync<CorruptException>(() => ReplicatedKeyspace.OpenAsync(cluster.Log.Connect(), cluster.Options));
    }

    [Fact]
    public async Task AGet_AllocatesLittle()
    {
        await using var cluster = new Cluster();
        var a = await cluster.AddAsync();
        for (var i = 0; i < 1000; i++)
        {
            await a.PutAsync(new PutRequest($"alloc/{i:D4}", new byte[100]));
        }

        var requests = Enumerable.Range(0, 1000).Select(i => new RangeRequest(KeyRange.Single($"alloc/{i:D4}"))).ToArray();
        await a.RangeAsync(requests[0]);

        var perGet = AllocatedPerGet(a, requests);

        Assert.True(perGet < 256, $"A get allocated {perGet} bytes.");
    }

    // Gets complete synchronously on the memory log, so everything they allocate is on this thread.
    private static long AllocatedPerGet(IKeyspace store, RangeRequest[] requests)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var request in requests)
        {
            var pending = store.RangeAsync(request);
            if (!pending.IsCompletedSuccessfully || pending.Result.Kvs.Count != 1)
            {
                throw new InvalidOperationException("A get on the memory log did not complete at once with one key.");
            }
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / requests.Length;
    }

    private static async Task<List<string>> WatchAllAsync(IKeyspace node, long from, long through)
    {
        await using var watch = new WatchCursor(node, new WatchRequest(KeyRange.All) { StartRevision = from, PrevKv = true, ProgressInterval = TimeSpan.Zero });
        var seen = new List<string>();
        while (seen.Count == 0 || long.Parse(seen[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) < through)
        {
            var response = await watch.NextEventsAsync();
            seen.AddRange(response.Events.Select(e => $"{response.Revision} {e.Type} {e.Kv.Key}={Text(e.Kv.Value)} v{e.Kv.Version} l{e.Kv.Lease} prev={(e.PrevKv is null ? "-" : $"{Text(e.PrevKv.Value)}@{e.PrevKv.ModRevision}")}"));
        }

        return seen;
    }
}
