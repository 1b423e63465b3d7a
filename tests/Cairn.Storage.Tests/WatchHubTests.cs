using System.Globalization;
using Cairn.Core;
using Cairn.Storage.Watching;
using Cairn.Testing;

namespace Cairn.Storage.Tests;

/// <summary>
/// What a watch on the hub delivers: in order, none missing or repeated, a revision's events together, from memory or
/// from history for a watcher that fell behind, <see cref="CompactedException"/> when history it needs is gone, and
/// progress notifications that report the hub's current revision.
/// </summary>
public sealed class WatchHubTests
{
    private static readonly TimeSpan Deadline = HubWatch.Deadline;

    private static Task WaitingAsync(HubUnderTest store, int count) =>
        Eventually.UntilAsync(() => store.Hub.WaitingCount == count, Deadline, $"{count} watchers wait (now {store.Hub.WaitingCount})");

    private static string Describe(WatchEvent e) =>
        $"{e.Type} {e.Kv.Key}@{e.Kv.ModRevision}" + (e.PrevKv is null ? "" : $" prev@{e.PrevKv.ModRevision}");

    [Fact]
    public async Task Watcher_ThatFellOutOfTheWindow_CatchesUpFromHistory_InOrder()
    {
        var store = new HubUnderTest(capacityEvents: 8);
        await using var watch = store.Watch(KeyRange.Prefix("w/"), startRevision: store.Revision + 1);
        var first = store.Put("w/first");
        Assert.Equal(first, (await watch.NextAsync()).Revision);

        // The watch is live but not read while 100 revisions go by: far more than the window holds.
        var revisions = Enumerable.Range(0, 100).Select(i => store.Put($"w/{i % 7}", i.ToString(CultureInfo.InvariantCulture))).ToList();
        var responses = await watch.ReadEventsAsync(100);

        Assert.Equal(revisions, responses.Select(r => r.Revision));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"w/{i % 7}"), responses.SelectMany(r => r.Events).Select(e => e.Kv.Key));
        Assert.True(store.History.Reads > 0, "The watcher never read history.");
    }

    [Fact]
    public async Task WaitingWatcher_WhileTheWindowRollsOverWithOtherKeys_NeverReadsHistory()
    {
        var store = new HubUnderTest(capacityEvents: 4);
        await using var watch = store.Watch(KeyRange.Single("quiet"));
        watch.StartRead();
        await WaitingAsync(store, 1);

        for (var i = 0; i < 200; i++)
        {
            store.Put($"busy/{i % 10}");
        }

        var revision = store.Put("quiet");
        var response = await watch.NextAsync();

        Assert.Equal(revision, response.Revision);
        Assert.Equal(0, store.History.Reads);
        Assert.Equal(1, store.Hub.Wakes);
    }

    [Fact]
    public async Task WaitingWatcher_IsNotFailed_ByCompactionOfRevisionsThatHoldNothingForIt()
    {
        var store = new HubUnderTest(capacityEvents: 4);
        await using var watch = store.Watch(KeyRange.Prefix("quiet/"));
        watch.StartRead();
        await WaitingAsync(store, 1);

        for (var i = 0; i < 50; i++)
        {
            store.Put($"busy/{i}");
        }

        store.History.Compact(store.Revision);
        var revision = store.Put("quiet/1");

        Assert.Equal(revision, (await watch.NextAsync()).Revision);
    }

    [Fact]
    public async Task Watch_FromACompactedRevision_ThrowsCompacted_CarryingTheCompactRevision()
    {
        var store = new HubUnderTest();
        var first = store.Put("k");
        store.Put("k");
        var point = store.Put("k");
        store.History.Compact(point);

        await using var watch = store.Watch(KeyRange.Single("k"), startRevision: first);
        var error = await Assert.ThrowsAsync<CompactedException>(() => watch.NextAsync());

        Assert.Equal(point, error.CompactRevision);
        Assert.Equal(first, error.RequestedRevision);
    }

    [Fact]
    public async Task Watcher_WhosePositionIsCompactedWhileItIsBehind_ThrowsCompacted()
    {
        var store = new HubUnderTest(capacityEvents: 4);
        await using var watch = store.Watch(KeyRange.Prefix("w/"), startRevision: store.Revision + 1);
        var first = store.Put("w/0");
        Assert.Equal(first, (await watch.NextAsync()).Revision);
        for (var i = 1; i <= 50; i++)
        {
            store.Put($"w/{i % 5}");
        }

        store.History.Compact(store.Revision);

        var error = await Assert.ThrowsAsync<CompactedException>(() => watch.NextAsync());
        Assert.Equal(store.Revision, error.CompactRevision);
        Assert.Equal(first + 1, error.RequestedRevision);
    }

    [Fact]
    public async Task Watch_FromMemoryAndFromHistory_DeliverTheSameEvents_WithAndWithoutPrevKv()
    {
        var store = new HubUnderTest(capacityEvents: 1024);
        var from = store.Revision + 1;
        store.Put("a/1");
        store.Txn("a/1,a/2,b/1");
        store.Delete("a/2");
        store.Put("b/2");
        store.Put("a/1");
        var last = store.Put("a/3");

        async Task<List<string>> ReadAsync(HubUnderTest s, bool prevKv)
        {
            await using var watch = s.Watch(KeyRange.Prefix("a/"), from, prevKv);
            var responses = await watch.ReadEventsAsync(6);
            Assert.Equal(last, responses[^1].Revision);
            return responses.Select(r => $"{r.Revision}: {string.Join(" | ", r.Events.Select(Describe))}").ToList();
        }

        var withPrevKv = await ReadAsync(store, prevKv: true);
        var without = await ReadAsync(store, prevKv: false);

        // The same writes into a hub whose window holds one event: everything comes from history.
        var small = new HubUnderTest(capacityEvents: 1);
        small.Put("a/1");
        small.Txn("a/1,a/2,b/1");
        small.Delete("a/2");
        small.Put("b/2");
        small.Put("a/1");
        small.Put("a/3");
        Assert.Equal(withPrevKv, await ReadAsync(small, prevKv: true));
        Assert.Equal(without, await ReadAsync(small, prevKv: false));
        Assert.True(small.History.Reads > 0);

        Assert.Equal(
            [
                $"{from}: Put a/1@{from}",
                $"{from + 1}: Put a/1@{from + 1} prev@{from} | Put a/2@{from + 1}",
                $"{from + 2}: Delete a/2@{from + 2} prev@{from + 1}",
                $"{from + 4}: Put a/1@{from + 4} prev@{from + 1}",
                $"{from + 5}: Put a/3@{from + 5}",
            ],
            withPrevKv);
        Assert.Equal(withPrevKv.Select(line => string.Join(" | ", line.Split(" | ").Select(part => part.Split(" prev@")[0]))), without);
    }

    [Fact]
    public async Task Progress_OfACaughtUpWatcher_ReportsTheCurrentRevision_WithoutReadingHistory()
    {
        var store = new HubUnderTest(capacityEvents: 4);
        await using var watch = store.Watch(KeyRange.Single("quiet"), progressInterval: TimeSpan.FromSeconds(10));
        watch.StartRead();
        await WaitingAsync(store, 1);
        for (var i = 0; i < 20; i++)
        {
            store.Put($"busy/{i}");
        }

        store.Time.Advance(TimeSpan.FromSeconds(10));
        var progress = await watch.NextAsync();

        Assert.True(progress.IsProgressNotify);
        Assert.Equal(store.Revision, progress.Revision);
        Assert.Equal(0, store.History.Reads);
        Assert.Equal(0, store.Hub.Wakes);

        // And the next progress, one interval later, reports the revision reached by then.
        watch.StartRead();
        await WaitingAsync(store, 1);
        store.Put("busy/again");
        store.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(store.Revision, (await watch.NextAsync()).Revision);

        var revision = store.Put("quiet");
        Assert.Equal(revision, (await watch.NextEventsAsync()).Revision);
    }

    [Fact]
    public async Task Progress_OfAWatchThatStartsInTheFuture_ReportsTheRevisionBeforeItsStart()
    {
        var store = new HubUnderTest();
        var start = store.Revision + 5;
        await using var watch = store.Watch(KeyRange.Single("k"), startRevision: start, progressInterval: TimeSpan.FromSeconds(1));
        watch.StartRead();
        await WaitingAsync(store, 1);
        store.Put("k"); // below the start: wakes the watcher, which has nothing to deliver yet
        await WaitingAsync(store, 1);

        store.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(start - 1, (await watch.NextAsync()).Revision);

        while (store.Revision < start)
        {
            store.Put("k");
        }

        var response = await watch.NextEventsAsync();
        Assert.Equal(start, response.Revision);
    }

    [Fact]
    public async Task Watch_FromZero_StartsAfterTheCurrentRevision_AndATxnArrivesInOneResponse()
    {
        var store = new HubUnderTest();
        store.Put("t/before");
        await using var watch = store.Watch(KeyRange.Prefix("t/"));
        watch.StartRead();
        await WaitingAsync(store, 1);

        var txn = store.Txn("t/a,outside,t/b");
        var response = await watch.NextAsync();

        Assert.Equal(txn, response.Revision);
        Assert.Equal(["t/a", "t/b"], response.Events.Select(e => e.Kv.Key));
    }

    [Fact]
    public async Task Close_EndsWaitingWatches_AndRefusesNewOnes_WithUnavailable()
    {
        var store = new HubUnderTest();
        await using var waiting = store.Watch(KeyRange.Single("k"));
        waiting.StartRead();
        await WaitingAsync(store, 1);

        store.Hub.Close();

        await Assert.ThrowsAsync<UnavailableException>(() => waiting.NextAsync());
        await using var later = store.Watch(KeyRange.Single("k"));
        await Assert.ThrowsAsync<UnavailableException>(() => later.NextAsync());
        Assert.Equal(0, store.Hub.WaitingCount);
    }

    [Fact]
    public async Task Resync_SendsWatchersThroughHistory_SoTheyMissNoRevisionThatWasNotPublished()
    {
        var store = new HubUnderTest();
        await using var waiting = store.Watch(KeyRange.Prefix("r/"), startRevision: store.Revision + 1, prevKv: true);
        await using var future = store.Watch(KeyRange.Prefix("r/"), startRevision: store.Revision + 100);
        waiting.StartRead();
        future.StartRead();
        await WaitingAsync(store, 2);

        store.Publishes = false;
        var skipped = Enumerable.Range(0, 20).Select(i => store.Put($"r/{i % 3}", i.ToString(CultureInfo.InvariantCulture))).ToList();
        store.Put("elsewhere");
        store.Hub.Resync(store.Revision);
        store.Publishes = true;
        var live = store.Put("r/live");

        var responses = await waiting.ReadEventsAsync(21);
        Assert.Equal([.. skipped, live], responses.Select(r => r.Revision));
        Assert.Equal(skipped[^4], Assert.Single(responses[^2].Events).PrevKv?.ModRevision);
        Assert.Equal(store.Revision, store.Hub.Revision);
        Assert.False(future.HasResponse, "A watch that starts after the resync revision woke with something.");
    }

    [Fact]
    public async Task Resync_FailsWatchersWithCompacted_WhenTheRevisionsTheyMissedWereCompacted()
    {
        var store = new HubUnderTest();
        var from = store.Revision + 1;
        await using var waiting = store.Watch(KeyRange.Prefix("r/"), startRevision: from);
        waiting.StartRead();
        await WaitingAsync(store, 1);

        store.Publishes = false;
        for (var i = 0; i < 10; i++)
        {
            store.Put("r/k");
        }

        store.History.Compact(store.Revision);
        store.Hub.Resync(store.Revision);

        var error = await Assert.ThrowsAsync<CompactedException>(() => waiting.NextAsync());
        Assert.Equal((from, store.Revision), (error.RequestedRevision, error.CompactRevision));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Hub.Resync(store.Revision - 1));
    }

    [Fact]
    public void Publish_OutOfRevisionOrder_IsRefused()
    {
        var store = new HubUnderTest();
        var revision = store.Put("k");
        var kv = new KeyValue("k", new byte[] { 1 }, revision, revision, 1, 0);
        RevisionEvent At(long r) => new(r, new WatchEvent(WatchEventType.Put, kv), "k"u8.ToArray());

        Assert.Throws<ArgumentException>(() => store.Hub.Publish([At(revision)], revision + 1));
        Assert.Throws<ArgumentException>(() => store.Hub.Publish([At(revision + 2), At(revision + 1)], revision + 2));
        Assert.Throws<ArgumentException>(() => store.Hub.Publish([At(revision + 2)], revision + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Hub.Publish([], revision - 1));
        Assert.Equal(revision, store.Hub.Revision);
    }
}
