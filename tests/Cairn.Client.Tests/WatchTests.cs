using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>Watches through the client, over both transports and across lost connections. Every watch runs under a
/// token with a deadline, so that a broken watch fails the test instead of hanging it.</summary>
public sealed class WatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Unique(string transport) => $"watch-{transport}-{Guid.NewGuid():N}/";

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Watch_DeliversPutsAndDeletes_InRevisionOrder(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var prefix = Unique(transport);
        var from = (await client.ServerStatusAsync()).Revision + 1;
        var a = await client.PutAsync(prefix + "a", "1");
        await client.PutAsync(Unique(transport) + "elsewhere", "not watched");
        var b = await client.PutAsync(prefix + "b", "2");
        var deleted = await client.DeleteKeyAsync(prefix + "a");
        using var timeout = new CancellationTokenSource(Deadline);

        var events = new List<WatchEvent>();
        await foreach (var change in client.WatchAsync(prefix, prefix: true, fromRevision: from, prevKv: true, cancellationToken: timeout.Token))
        {
            events.Add(change);
            if (events.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([a.Revision, b.Revision, deleted.Revision], events.Select(e => e.Kv.ModRevision));
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete], events.Select(e => e.Type));
        Assert.Equal([prefix + "a", prefix + "b", prefix + "a"], events.Select(e => e.Kv.Key));
        Assert.Equal("2"u8.ToArray(), events[1].Kv.Value.ToArray());
        Assert.Equal("1"u8.ToArray(), events[2].PrevKv!.Value.ToArray());
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Watch_FromNow_SeesWritesMadeAfterItStarted(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "live";
        using var timeout = new CancellationTokenSource(Deadline);
        var responses = new List<WatchResponse>();
        var watching = Task.Run(async () =>
        {
            await foreach (var response in client.WatchAsync(new WatchRequest(KeyRange.Single(key)) { ProgressInterval = TimeSpan.FromMilliseconds(100) }, timeout.Token))
            {
                lock (responses)
                {
                    responses.Add(response);
                }

                if (!response.IsProgressNotify)
                {
                    return;
                }
            }
        });

        // A progress notification says the watch is running, so a put now is after its start.
        await Eventually.UntilAsync(() => { lock (responses) { return responses.Count > 0; } }, Deadline, "the watch reports progress");
        var put = await client.PutAsync(key, "now");
        await watching.WaitAsync(Deadline);

        var last = responses[^1];
        Assert.Equal(put.Revision, last.Revision);
        Assert.Equal(key, Assert.Single(last.Events).Kv.Key);
    }

    [Fact]
    public async Task Watch_ThatLosesItsConnection_ResumesWithoutLosingOrRepeatingEvents()
    {
        using var writer = new CairnClient(fixture.TcpEndpoint);
        await using var proxy = new TcpProxy(fixture.TcpEndpoint);
        using var watcher = new CairnClient(proxy.Endpoint);
        var prefix = Unique("tcp");
        var from = (await writer.ServerStatusAsync()).Revision + 1;
        using var timeout = new CancellationTokenSource(Deadline);
        var seen = new List<long>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync(prefix, prefix: true, fromRevision: from, cancellationToken: timeout.Token))
            {
                lock (seen)
                {
                    seen.Add(change.Kv.ModRevision);
                }
            }
        });
        int Seen()
        {
            lock (seen)
            {
                return seen.Count;
            }
        }

        var written = new List<long> { (await writer.PutAsync(prefix + "first", "0")).Revision };
        await Eventually.UntilAsync(() => Seen() == 1, Deadline, "the watch is established");
        for (var batch = 0; batch < 4; batch++)
        {
            // Cut a connection that is really up: the previous batch has come through it.
            await Eventually.UntilAsync(() => Seen() >= written.Count, Deadline, $"the watch has seen the {written.Count} writes so far");
            for (var i = 0; i < 15; i++)
            {
                if (i == 5)
                {
                    proxy.CutAll(); // mid-stream, while writes go on: the watch must resume from history
                }

                var key = prefix + (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture);
                written.Add(i % 7 == 6
                    ? (await writer.DeleteKeyAsync(key)).Revision
                    : (await writer.PutAsync(key, $"{batch}.{i}")).Revision);
            }
        }

        await Eventually.UntilAsync(() => Seen() >= written.Count, Deadline, $"the watch has seen all {written.Count} writes");
        var more = (await writer.PutAsync(prefix + "last", "x")).Revision;
        written.Add(more);
        await Eventually.UntilAsync(() => Seen() >= written.Count, Deadline, "the watch has seen the last write");
        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        Assert.True(proxy.Accepted >= 5, $"the watch reconnected after each cut (connections: {proxy.Accepted})");
        lock (seen)
        {
            Assert.Equal(written, seen);
        }
    }

    [Fact]
    public async Task Watch_FromACompactedRevision_ThrowsCompacted()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "old";
        var first = await client.PutAsync(key, "1");
        await client.PutAsync(key, "2");
        var last = await client.PutAsync(key, "3");
        await client.CompactAsync(last.Revision);
        using var timeout = new CancellationTokenSource(Deadline);

        var compacted = await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(key, fromRevision: first.Revision, cancellationToken: timeout.Token))
            {
            }
        });

        Assert.Equal(last.Revision, compacted.CompactRevision);
    }
}
