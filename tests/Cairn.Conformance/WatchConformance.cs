using System.Globalization;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>
/// Watches, as etcd promises them: every change in the range from the start revision, in revision order, none missing,
/// none repeated, one response per revision; resumable; compacted history is an error; progress notifications; and a
/// watcher that does not read never holds up writers.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class WatchConformance(Backend backend) : KeyspaceConformance(backend)
{
    [Fact]
    public async Task Watch_SingleKey_DeliversEveryChangeOfThatKey_InRevisionOrder()
    {
        var from = StartRevision + 1;
        var first = await PutAsync("k", "1");
        await PutAsync("k-other", "x");
        var second = await PutAsync("k", "2");
        var deleted = await DeleteAsync(KeyRange.Single("k"));
        var recreated = await PutAsync("k", "3");
        await using var watch = Watch(KeyRange.Single("k"), from);

        var responses = await watch.ReadEventsAsync(4);

        Assert.Equal(
            [
                $"Put k=1 c{first.Revision} m{first.Revision} v1",
                $"Put k=2 c{first.Revision} m{second.Revision} v2",
                $"Delete k= c0 m{deleted.Revision} v0",
                $"Put k=3 c{recreated.Revision} m{recreated.Revision} v1",
            ],
            Flatten(responses).Select(Describe));
        Assert.Equal([first.Revision, second.Revision, deleted.Revision, recreated.Revision], responses.Select(r => r.Revision));
    }

    [Fact]
    public async Task Watch_Prefix_DeliversKeysUnderThePrefix_AndNothingElse()
    {
        await using var watch = Watch(KeyRange.Prefix("app/"), StartRevision + 1);
        await PutAsync("app", "not under app/");
        var a = await PutAsync("app/a", "1");
        await PutAsync("apq", "x");
        await PutAsync("ap", "x");
        var b = await PutAsync("app/b/c", "2");
        await PutAsync("zzz", "x");
        var sentinel = await PutAsync("app/z", "end");

        var responses = await watch.ReadEventsAsync(3);

        Assert.Equal(["app/a", "app/b/c", "app/z"], Flatten(responses).Select(e => e.Kv.Key));
        Assert.Equal([a.Revision, b.Revision, sentinel.Revision], responses.Select(r => r.Revision));
    }

    [Fact]
    public async Task Watch_Range_DeliversKeysFromTheStartUpToButNotIncludingTheEnd()
    {
        await using var watch = Watch(KeyRange.Between("b", "d"), StartRevision + 1);
        await PutAsync("a", "x");
        await PutAsync("b", "1");
        await PutAsync("c/deep", "2");
        await PutAsync("d", "x");
        await PutAsync("e", "x");
        await PutAsync("cz", "3");

        var responses = await watch.ReadEventsAsync(3);

        Assert.Equal(["b", "c/deep", "cz"], Flatten(responses).Select(e => e.Kv.Key));
    }

    [Fact]
    public async Task Watch_FromRevisionZero_DeliversOnlyChangesAfterTheWatchStarted()
    {
        await PutAsync("k", "before");
        var current = await RevisionAsync();
        await using var watch = Watch(KeyRange.Single("k"), startRevision: 0, progressInterval: TimeSpan.FromMilliseconds(50));

        // The first progress notification proves the watch has started, and says where.
        var started = await watch.NextAsync();
        var after = await PutAsync("k", "after");
        var next = await watch.NextEventsAsync();

        Assert.True(started.IsProgressNotify, $"Expected a progress notification first, got {started.Events.Count} events at {started.Revision}.");
        Assert.Equal(current, started.Revision);
        Assert.Equal(after.Revision, next.Revision);
        Assert.Equal(["after"], next.Events.Select(e => Text(e.Kv.Value)));
    }

    [Fact]
    public async Task Watch_FromAnOldRevision_ReplaysPutsAndDeletes_WithTheirMetadata()
    {
        var created = await PutAsync("a/1", "v1");
        var updated = await PutAsync("a/1", "v2");
        var other = await PutAsync("a/2", "w");
        var deleted = await DeleteAsync(KeyRange.Prefix("a/"));
        var again = await PutAsync("a/1", "v3");

        await using var watch = Watch(KeyRange.Prefix("a/"), created.Revision);
        var responses = await watch.ReadEventsAsync(6);

        Assert.Equal(
            [
                $"Put a/1=v1 c{created.Revision} m{created.Revision} v1",
                $"Put a/1=v2 c{created.Revision} m{updated.Revision} v2",
                $"Put a/2=w c{other.Revision} m{other.Revision} v1",
                $"Delete a/1= c0 m{deleted.Revision} v0",
                $"Delete a/2= c0 m{deleted.Revision} v0",
                $"Put a/1=v3 c{again.Revision} m{again.Revision} v1",
            ],
            Flatten(responses).Select(Describe));
    }

    [Fact]
    public async Task Watch_FromTheMiddleOfHistory_StartsExactlyAtThatRevision()
    {
        var revisions = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            revisions.Add((await PutAsync("k", i.ToString(CultureInfo.InvariantCulture))).Revision);
        }

        await using var watch = Watch(KeyRange.Single("k"), revisions[4]);
        var responses = await watch.ReadEventsAsync(6);

        Assert.Equal(revisions[4..], responses.Select(r => r.Revision));
        Assert.Equal(["4", "5", "6", "7", "8", "9"], Flatten(responses).Select(e => Text(e.Kv.Value)));
    }

    [Fact]
    public async Task Watch_ResumedAtLastSeenRevisionPlusOne_SeesEveryChangeExactlyOnce()
    {
        var expected = new List<string>();
        async Task WriteAsync(int i)
        {
            var key = $"r/{i % 7}";
            if (i % 5 == 4)
            {
                var deleted = await DeleteAsync(KeyRange.Single(key));
                if (deleted.Deleted > 0)
                {
                    expected.Add($"Delete {key}@{deleted.Revision}");
                }
            }
            else
            {
                var put = await PutAsync(key, i.ToString(CultureInfo.InvariantCulture));
                expected.Add($"Put {key}@{put.Revision}");
            }
        }

        var seen = new List<string>();
        long lastSeen;
        await using (var first = Watch(KeyRange.Prefix("r/"), StartRevision + 1))
        {
            for (var i = 0; i < 20; i++)
            {
                await WriteAsync(i);
            }

            var responses = await first.ReadEventsAsync(10);
            seen.AddRange(Flatten(responses).Select(e => $"{e.Type} {e.Kv.Key}@{e.Kv.ModRevision}"));
            lastSeen = responses[^1].Revision;
        }

        // Disconnected: the world moves on.
        for (var i = 20; i < 60; i++)
        {
            await WriteAsync(i);
        }

        await using var resumed = Watch(KeyRange.Prefix("r/"), lastSeen + 1);
        var rest = await resumed.ReadEventsAsync(expected.Count - seen.Count);
        seen.AddRange(Flatten(rest).Select(e => $"{e.Type} {e.Kv.Key}@{e.Kv.ModRevision}"));

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Watch_TxnChanges_ArriveInOneResponse_AtTheTxnRevision()
    {
        await PutAsync("t/gone", "x");
        await using var watch = Watch(KeyRange.Prefix("t/"), await RevisionAsync() + 1);

        var txn = await TxnAsync([], [Put("t/a", "1"), new DeleteRequest(KeyRange.Single("t/gone")), Put("t/b", "2"), Put("outside", "x")]);
        var sentinel = await PutAsync("t/z", "end");
        var response = await watch.NextEventsAsync();
        var following = await watch.NextEventsAsync();

        Assert.Equal(txn.Revision, response.Revision);
        Assert.Equal(["Put t/a", "Delete t/gone", "Put t/b"], response.Events.Select(e => $"{e.Type} {e.Kv.Key}"));
        Assert.All(response.Events, e => Assert.Equal(txn.Revision, e.Kv.ModRevision));
        Assert.Equal(sentinel.Revision, following.Revision);
    }

    [Fact]
    public async Task Watch_WithPrevKv_DeliversTheKeyAsItWasBeforeEachChange()
    {
        var from = StartRevision + 1;
        var created = await PutAsync("k", "1");
        var updated = await PutAsync("k", "2");
        await DeleteAsync(KeyRange.Single("k"));
        await using var replay = Watch(KeyRange.Single("k"), from, prevKv: true);
        await using var live = Watch(KeyRange.Single("k"), await RevisionAsync() + 1, prevKv: true);
        var recreated = await PutAsync("k", "3");
        var overwritten = await PutAsync("k", "4");

        var replayed = Flatten(await replay.ReadEventsAsync(5)).ToList();
        var liveEvents = Flatten(await live.ReadEventsAsync(2)).ToList();

        string? Prev(WatchEvent e) => e.PrevKv is null ? null : $"{Text(e.PrevKv.Value)} c{e.PrevKv.CreateRevision} m{e.PrevKv.ModRevision} v{e.PrevKv.Version}";
        Assert.Equal(
            [null, $"1 c{created.Revision} m{created.Revision} v1", $"2 c{created.Revision} m{updated.Revision} v2", null, $"3 c{recreated.Revision} m{recreated.Revision} v1"],
            replayed.Select(Prev));
        Assert.Equal([null, $"3 c{recreated.Revision} m{recreated.Revision} v1"], liveEvents.Select(Prev));
        Assert.Equal(overwritten.Revision, liveEvents[1].Kv.ModRevision);
    }

    [Fact]
    public async Task Watch_WithoutPrevKv_DeliversNoPreviousKeyValue()
    {
        var from = StartRevision + 1;
        await PutAsync("k", "1");
        await PutAsync("k", "2");
        await DeleteAsync(KeyRange.Single("k"));
        await using var replay = Watch(KeyRange.Single("k"), from);
        await using var live = Watch(KeyRange.Single("k"), await RevisionAsync() + 1);
        await PutAsync("k", "3");
        await DeleteAsync(KeyRange.Single("k"));

        var events = Flatten(await replay.ReadEventsAsync(5)).Concat(Flatten(await live.ReadEventsAsync(2))).ToList();

        Assert.Equal(7, events.Count);
        Assert.All(events, e => Assert.Null(e.PrevKv));
    }

    [Fact]
    public async Task Watch_DeleteEvents_HaveVersionZero_EmptyValue_AndTheDeleteRevision()
    {
        await PutAsync("d/a", "1");
        await PutAsync("d/b", "2");
        await PutAsync("d/b", "3");
        await using var watch = Watch(KeyRange.Prefix("d/"), await RevisionAsync() + 1);

        var deleted = await DeleteAsync(KeyRange.Prefix("d/"));
        var response = await watch.NextEventsAsync();

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(deleted.Revision, response.Revision);
        Assert.Equal(["d/a", "d/b"], response.Events.Select(e => e.Kv.Key));
        Assert.All(response.Events, e =>
        {
            Assert.Equal(WatchEventType.Delete, e.Type);
            Assert.Equal(0, e.Kv.Version);
            Assert.Equal(deleted.Revision, e.Kv.ModRevision);
            Assert.True(e.Kv.Value.IsEmpty);
        });
    }

    [Fact]
    public async Task Watch_FromAFutureRevision_DeliversFromThatRevisionOnceItIsWritten()
    {
        var current = await RevisionAsync();
        await using var watch = Watch(KeyRange.Single("k"), current + 3);
        await PutAsync("k", "1");
        await PutAsync("k", "2");
        var third = await PutAsync("k", "3");
        var fourth = await PutAsync("k", "4");

        var responses = await watch.ReadEventsAsync(2);

        Assert.Equal([third.Revision, fourth.Revision], responses.Select(r => r.Revision));
        Assert.Equal(["3", "4"], Flatten(responses).Select(e => Text(e.Kv.Value)));
    }

    [Fact]
    public async Task Watch_FromACompactedRevision_ThrowsCompacted_CarryingTheCompactRevision()
    {
        var first = await PutAsync("k", "1");
        await PutAsync("k", "2");
        var point = (await PutAsync("k", "3")).Revision;
        await Store.CompactAsync(point);

        await using var watch = Watch(KeyRange.Single("k"), first.Revision);
        var error = await Assert.ThrowsAsync<CompactedException>(() => watch.NextAsync());

        Assert.Equal(point, error.CompactRevision);
    }

    [Fact]
    public async Task Watch_FromTheCompactionPoint_DeliversThatRevisionAndLaterOnes()
    {
        await PutAsync("k", "1");
        var point = (await PutAsync("k", "2")).Revision;
        var later = await PutAsync("k", "3");
        await Store.CompactAsync(point);

        await using var watch = Watch(KeyRange.Single("k"), point);
        var responses = await watch.ReadEventsAsync(2);

        Assert.Equal([point, later.Revision], responses.Select(r => r.Revision));
        Assert.Equal(["2", "3"], Flatten(responses).Select(e => Text(e.Kv.Value)));
    }
}
