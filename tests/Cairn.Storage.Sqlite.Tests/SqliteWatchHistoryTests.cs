using System.Globalization;
using System.Text;
using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Storage.Sqlite.Tests;

/// <summary>
/// Watchers that the in-memory event cache cannot serve (they fell behind it, or the store was reopened): they read
/// history from the database, with the same order, grouping, metadata and prevKv as from memory, and fail with
/// <see cref="CompactedException"/> once the history they need is compacted.
/// </summary>
public sealed class SqliteWatchHistoryTests : IDisposable
{
    private const int CacheEvents = 16;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private Task<SqliteKeyspace> OpenAsync(string name = "cairn.db", int cacheEvents = CacheEvents) => SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions
    {
        Path = _directory.File(name),
        WatchCacheEvents = cacheEvents,
    });

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    private static string Describe(WatchEvent e)
    {
        var prev = e.PrevKv is null ? "-" : $"{Encoding.UTF8.GetString(e.PrevKv.Value.Span)}@{e.PrevKv.ModRevision}v{e.PrevKv.Version}";
        return $"{e.Type} {e.Kv.Key}={Encoding.UTF8.GetString(e.Kv.Value.Span)} c{e.Kv.CreateRevision} m{e.Kv.ModRevision} v{e.Kv.Version} prev {prev}";
    }

    private static List<string> Shape(IEnumerable<WatchResponse> responses) =>
        responses.Select(r => $"{r.Revision}: {string.Join(" | ", r.Events.Select(Describe))}").ToList();

    // A mix of puts, deletes and txns under w/, with writes outside it; ends with a put of w/last, whose revision it returns.
    private static async Task<long> WriteMixAsync(IKeyspace store, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            var value = i.ToString(CultureInfo.InvariantCulture);
            switch (i % 6)
            {
                case 0 or 1 or 2:
                    await store.PutAsync(Put($"w/{i % 5}", value));
                    break;
                case 3:
                    await store.DeleteAsync(new DeleteRequest(KeyRange.Single($"w/{(i + 1) % 5}")));
                    break;
                case 4:
                    await store.TxnAsync(new TxnRequest([], [Put($"w/{i % 5}", value), Put($"w/{(i + 2) % 5}", value), Put("noise", value)], []));
                    break;
                default:
                    await store.PutAsync(Put("noise", value));
                    break;
            }
        }

        return (await store.PutAsync(Put("w/last", "end"))).Revision;
    }

    private static async Task<List<WatchResponse>> ReadThroughAsync(WatchCursor watch, long revision)
    {
        var responses = new List<WatchResponse>();
        do
        {
            responses.Add(await watch.NextEventsAsync());
        }
        while (responses[^1].Revision < revision);

        return responses;
    }

    // Starts a prevKv watch of w/, lets it deliver one event (so it is live), then writes the mix while it does not read,
    // and reads everything afterwards.
    private static async Task<List<WatchResponse>> WatchMixAsync(IKeyspace store, int rounds)
    {
        var from = (await store.StatusAsync()).Revision + 1;
        await using var watch = new WatchCursor(store, new WatchRequest(KeyRange.Prefix("w/")) { StartRevision = from, PrevKv = true });
        await store.PutAsync(Put("w/first", "0"));
        var responses = new List<WatchResponse> { await watch.NextEventsAsync() };
        var last = await WriteMixAsync(store, rounds);
        responses.AddRange(await ReadThroughAsync(watch, last));
        return responses;
    }

    [Fact]
    public async Task Watcher_FarBehindTheCache_ReceivesFromHistory_WhatAWatcherReceivesFromMemory()
    {
        await using var small = await OpenAsync("small.db", CacheEvents);
        await using var large = await OpenAsync("large.db", cacheEvents: 65_536);

        var fromHistory = await WatchMixAsync(small, 300);
        var fromMemory = await WatchMixAsync(large, 300);

        Assert.True(fromMemory.Count > 200, $"Only {fromMemory.Count} responses.");
        Assert.Contains(fromMemory, r => r.Events.Count == 2);
        Assert.Equal(Shape(fromMemory), Shape(fromHistory));
    }

    [Fact]
    public async Task Watcher_FromBeforeARestart_ReplaysHistory_WithTheSameEventsAsLive()
    {
        List<WatchResponse> seenLive;
        long from;
        await using (var store = await OpenAsync(cacheEvents: 65_536))
        {
            from = (await store.StatusAsync()).Revision + 1;
            seenLive = await WatchMixAsync(store, 60);
        }

        await using var reopened = await OpenAsync();
        await using var replay = new WatchCursor(reopened, new WatchRequest(KeyRange.Prefix("w/")) { StartRevision = from, PrevKv = true });
        var replayed = await ReadThroughAsync(replay, seenLive[^1].Revision);

        Assert.Equal(Shape(seenLive), Shape(replayed));
    }

    [Fact]
    public async Task Watcher_FromHistory_DeliversOnlyKeysInItsRange()
    {
        await using var store = await OpenAsync();
        var from = (await store.StatusAsync()).Revision + 1;
        foreach (var key in new[] { "a", "b", "b/1", "bz", "c", "d", "e" })
        {
            for (var i = 0; i < 10; i++)
            {
                await store.PutAsync(Put(key, i.ToString(CultureInfo.InvariantCulture)));
            }
        }

        await using var between = new WatchCursor(store, new WatchRequest(KeyRange.Between("b", "d")) { StartRevision = from });
        await using var prefix = new WatchCursor(store, new WatchRequest(KeyRange.Prefix("b")) { StartRevision = from });
        await using var single = new WatchCursor(store, new WatchRequest(KeyRange.Single("d")) { StartRevision = from });
        await using var fromKey = new WatchCursor(store, new WatchRequest(KeyRange.FromKey("d")) { StartRevision = from });

        static async Task<string> KeysAsync(WatchCursor watch, int count) =>
            string.Join(",", (await watch.ReadEventsAsync(count)).SelectMany(r => r.Events).Select(e => e.Kv.Key).Distinct());

        Assert.Equal("b,b/1,bz,c", await KeysAsync(between, 40));
        Assert.Equal("b,b/1,bz", await KeysAsync(prefix, 30));
        Assert.Equal("d", await KeysAsync(single, 10));
        Assert.Equal("d,e", await KeysAsync(fromKey, 20));
    }

    [Fact]
    public async Task Watcher_WhosePositionIsCompactedWhileBehind_ThrowsCompacted()
    {
        await using var store = await OpenAsync();
        await using var watch = new WatchCursor(store, new WatchRequest(KeyRange.Prefix("w/")) { StartRevision = (await store.StatusAsync()).Revision + 1 });
        var first = await store.PutAsync(Put("w/0", "0"));
        Assert.Equal(first.Revision, (await watch.NextEventsAsync()).Revision);
        for (var i = 1; i <= 100; i++)
        {
            await store.PutAsync(Put($"w/{i % 10}", i.ToString(CultureInfo.InvariantCulture)));
        }

        var point = (await store.StatusAsync()).Revision;
        await store.CompactAsync(point);

        var error = await Assert.ThrowsAsync<CompactedException>(() => watch.NextAsync());
        Assert.Equal(point, error.CompactRevision);
        Assert.Equal(first.Revision + 1, error.RequestedRevision);
    }
}
