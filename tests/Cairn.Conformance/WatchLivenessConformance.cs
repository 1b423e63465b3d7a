using System.Globalization;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>
/// Watches that have nothing to deliver, or consumers that do not keep up: progress notifications report the revision
/// reached, a watcher that does not read never holds up writers and later catches up, watchers are independent.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class WatchLivenessConformance(Backend backend) : KeyspaceConformance(backend)
{
    [Fact]
    public async Task Watch_WithNothingToDeliver_SendsProgressNotifications_WithTheRevisionReached()
    {
        await PutAsync("watched", "1");
        await using var watch = Watch(KeyRange.Single("watched"), StartRevision + 1, progressInterval: TimeSpan.FromMilliseconds(50));
        var delivered = await watch.NextEventsAsync();
        await PutAsync("elsewhere", "x");
        await PutAsync("elsewhere", "y");
        var current = await RevisionAsync();

        // Progress may first report a revision reached before the last two writes; it must get to the current one.
        var deadline = DateTime.UtcNow + WatchCursor.DefaultTimeout;
        WatchResponse progress;
        do
        {
            progress = await watch.NextAsync();
            Assert.True(progress.IsProgressNotify, $"Unexpected events at revision {progress.Revision}.");
            Assert.InRange(progress.Revision, delivered.Revision, current);
        }
        while (progress.Revision < current && DateTime.UtcNow < deadline);

        Assert.Equal(current, progress.Revision);
        Assert.Empty(progress.Events);
    }

    [Fact]
    public async Task Watch_OfAQuietKeyInABusyStore_StillSendsProgressNotifications()
    {
        await using var watch = Watch(KeyRange.Single("quiet"), await RevisionAsync() + 1, progressInterval: TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();

        // Other keys change far more often than the progress interval; the cadence is the writer's, not a synchronisation.
        var busy = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await PutAsync("busy", i.ToString(CultureInfo.InvariantCulture));
                await Task.Delay(10);
            }
        });
        try
        {
            var running = System.Diagnostics.Stopwatch.StartNew();
            while (await RevisionAsync() < StartRevision + 3)
            {
                Assert.True(running.Elapsed < WatchCursor.DefaultTimeout, "The busy writer did not get going.");
                await Task.Delay(10);
            }

            // Any number of intervals of slack: this checks that notifications come at all, not their precision.
            var progress = await watch.NextAsync();

            Assert.True(progress.IsProgressNotify, $"Unexpected events at revision {progress.Revision}.");
            Assert.InRange(progress.Revision, StartRevision, await RevisionAsync());
        }
        finally
        {
            await stop.CancelAsync();
            await busy;
        }
    }

    [Fact]
    public async Task Watch_ThatIsNotRead_DoesNotBlockWriters_AndThenCatchesUpInOrder()
    {
        const int Count = 1000;
        await using var watch = Watch(KeyRange.Prefix("slow/"), StartRevision + 1);
        await PutAsync("slow/start", "0");
        Assert.Single((await watch.NextEventsAsync()).Events);

        // The watch is live and not being read while the writes run. A store that made writers wait for it would hang
        // them: the deadline catches that, and is no measure of speed (1000 puts on a loaded machine may take a while).
        var revisions = new List<long>(Count);
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                revisions.Add((await PutAsync($"slow/{i:D4}", i.ToString(CultureInfo.InvariantCulture))).Revision);
            }
        });
        var deadline = TimeSpan.FromSeconds(120);
        Assert.True(await Task.WhenAny(writes, Task.Delay(deadline)) == writes || writes.IsCompleted, $"{Count} puts did not finish within {deadline.TotalSeconds} s while a watcher was not reading ({revisions.Count} did).");
        await writes;
        var responses = await watch.ReadEventsAsync(Count);
        Assert.Equal(revisions, responses.Select(r => r.Revision));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"slow/{i:D4}"), Flatten(responses).Select(e => e.Kv.Key));
    }

    [Fact]
    public async Task Watch_SeveralWatchersOfOneRange_EachSeeTheSameChanges()
    {
        var from = StartRevision + 1;
        await using var one = Watch(KeyRange.Prefix("s/"), from);
        await using var two = Watch(KeyRange.Prefix("s/"), from);
        for (var i = 0; i < 20; i++)
        {
            await PutAsync($"s/{i % 3}", i.ToString(CultureInfo.InvariantCulture));
        }

        var seenByOne = Flatten(await one.ReadEventsAsync(20)).Select(Describe).ToList();
        var seenByTwo = Flatten(await two.ReadEventsAsync(20)).Select(Describe).ToList();

        Assert.Equal(20, seenByOne.Count);
        Assert.Equal(seenByOne, seenByTwo);
    }
}
