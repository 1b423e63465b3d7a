using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.Tests;

/// <summary>
/// Which waiting watchers a publish wakes: exactly those whose range holds a changed key (counted by the hub), whatever
/// the kind of range, and each of those gets the change.
/// </summary>
public sealed class WatchHubWakeTests
{
    private static readonly TimeSpan Deadline = HubWatch.Deadline;

    // Starts a read on every watch and waits until all of them wait in the hub's index.
    private static async Task AllWaitingAsync(HubUnderTest store, IReadOnlyCollection<HubWatch> watches)
    {
        foreach (var watch in watches)
        {
            watch.StartRead();
        }

        await Eventually.UntilAsync(() => store.Hub.WaitingCount == watches.Count, Deadline, $"all {watches.Count} watchers wait (now {store.Hub.WaitingCount})");
    }

    // Puts `key` and checks that exactly the watchers whose range holds it wake and get it.
    private static async Task PutAndExpectWakesAsync(HubUnderTest store, List<HubWatch> watches, string key)
    {
        var expected = watches.Where(w => w.Range.Contains(System.Text.Encoding.UTF8.GetBytes(key))).ToList();
        var wakesBefore = store.Hub.Wakes;

        var revision = store.Put(key);
        foreach (var watch in expected)
        {
            var response = await watch.NextAsync();
            Assert.Equal(revision, response.Revision);
            Assert.Equal([key], response.Events.Select(e => e.Kv.Key));
        }

        await AllWaitingAsync(store, watches);
        Assert.Equal(expected.Count, store.Hub.Wakes - wakesBefore);
        Assert.DoesNotContain(watches.Except(expected), w => w.HasResponse);
    }

    [Fact]
    public async Task Publish_WakesOnlyWatchersWhoseRangeHoldsTheKey()
    {
        const int Watchers = 2000;
        var store = new HubUnderTest();
        var watches = Enumerable.Range(0, Watchers).Select(i => store.Watch(KeyRange.Single($"w/{i}"))).ToList();
        try
        {
            await AllWaitingAsync(store, watches);
            var random = new Random(11);
            for (var round = 0; round < 50; round++)
            {
                await PutAndExpectWakesAsync(store, watches, $"w/{random.Next(Watchers)}");
            }

            Assert.Equal(50, store.Hub.Wakes);
            Assert.Equal((Watchers, 0), store.Hub.IndexSize);
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("app/x")]   // the single key, the prefix, the from-key range and everything
    [InlineData("app/")]    // the prefix itself is under the prefix
    [InlineData("app")]     // not under app/; before b, so outside [b, d)
    [InlineData("b")]       // the start of [b, d) is inside
    [InlineData("c/deep")]
    [InlineData("cz")]
    [InlineData("d")]       // the end of [b, d) is outside
    [InlineData("m")]       // the start of the from-key range is inside
    [InlineData("zzzz")]    // only the unbounded ranges
    public async Task Publish_WakesPrefixBetweenFromKeyAndAllWatchers_OnlyForKeysInTheirRanges(string key)
    {
        var store = new HubUnderTest();
        List<HubWatch> watches =
        [
            store.Watch(KeyRange.Single("app/x")),
            store.Watch(KeyRange.Prefix("app/")),
            store.Watch(KeyRange.Between("b", "d")),
            store.Watch(KeyRange.FromKey("m")),
            store.Watch(KeyRange.All),
            store.Watch(KeyRange.Prefix("")),
            store.Watch(KeyRange.FromKey("")),
        ];
        try
        {
            await AllWaitingAsync(store, watches);
            await PutAndExpectWakesAsync(store, watches, key);
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Publish_OfTheKeyAtARangesEnd_DoesNotWakeIt()
    {
        var store = new HubUnderTest();
        await using var between = store.Watch(KeyRange.Between("b", "d"));
        await using var prefix = store.Watch(KeyRange.Prefix("ap")); // ends at "aq"
        List<HubWatch> watches = [between, prefix];
        await AllWaitingAsync(store, watches);

        store.Put("d");
        store.Put("aq");
        var inside = store.Put("c");
        var response = await between.NextAsync();

        Assert.Equal(inside, response.Revision);
        await AllWaitingAsync(store, watches);
        Assert.Equal(1, store.Hub.Wakes);
        Assert.False(prefix.HasResponse);
    }

    [Fact]
    public async Task Publish_OfTheSameKeyOrInterval_WakesEveryOneOfItsWatchers()
    {
        var store = new HubUnderTest();
        var watches = Enumerable.Range(0, 100).Select(_ => store.Watch(KeyRange.Single("shared")))
            .Concat(Enumerable.Range(0, 100).Select(_ => store.Watch(KeyRange.Prefix("sha"))))
            .ToList();
        try
        {
            await AllWaitingAsync(store, watches);
            Assert.Equal((1, 1), store.Hub.IndexSize);

            await PutAndExpectWakesAsync(store, watches, "shared");
            await PutAndExpectWakesAsync(store, watches, "shape");

            Assert.Equal(300, store.Hub.Wakes);
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Publish_ThatOnlyMovesTheRevision_WakesNobody()
    {
        var store = new HubUnderTest();
        await using var watch = store.Watch(KeyRange.All);
        await AllWaitingAsync(store, [watch]);

        store.Hub.Publish([], store.Revision);
        var revision = store.Put("k");

        Assert.Equal(revision, (await watch.NextAsync()).Revision);
        Assert.Equal(1, store.Hub.Wakes);
    }

    [Fact]
    public async Task Cancelling_WaitingWatchers_RemovesThemFromTheIndex()
    {
        var store = new HubUnderTest();
        var keys = Enumerable.Range(0, 100).Select(i => store.Watch(KeyRange.Single($"k/{i}"))).ToList();
        var ranges = Enumerable.Range(0, 100).Select(i => store.Watch(KeyRange.Prefix($"r/{i}/"))).ToList();
        var sameKey = Enumerable.Range(0, 10).Select(_ => store.Watch(KeyRange.Single("k/0"))).ToList();
        List<HubWatch> all = [.. keys, .. ranges, .. sameKey];
        await AllWaitingAsync(store, all);
        Assert.Equal((100, 100), store.Hub.IndexSize);

        // Half of each kind, and the head of the shared key's list with it.
        foreach (var watch in keys.Where((_, i) => i % 2 == 0).Concat(ranges.Where((_, i) => i % 2 == 0)).Concat(sameKey.Take(5)))
        {
            await watch.DisposeAsync();
        }

        await Eventually.UntilAsync(() => store.Hub.WaitingCount == 105, Deadline, $"the cancelled watchers leave the index (now {store.Hub.WaitingCount})");
        Assert.Equal((51, 50), store.Hub.IndexSize); // k/0 stays: five of its watchers are left

        // What is left still works: a put of k/0 reaches its own watcher and the five left on the same key.
        var revision = store.Put("k/0");
        foreach (var watch in sameKey.Skip(5))
        {
            Assert.Equal(revision, (await watch.NextAsync()).Revision);
        }

        foreach (var watch in all)
        {
            await watch.DisposeAsync();
        }

        await Eventually.UntilAsync(() => store.Hub.WaitingCount == 0, Deadline, $"every cancelled watcher leaves the index (now {store.Hub.WaitingCount})");
        Assert.Equal((0, 0), store.Hub.IndexSize);
    }
}
