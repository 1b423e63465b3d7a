using System.Collections.Concurrent;
using System.Diagnostics;
using Cairn.Contracts;
using Cairn.Coordination.Recipes;

namespace Cairn.Coordination.Tests.Pools;

/// <summary>The queue: order, claims under the consumer's session, redelivery when it ends, waiting; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class QueueStoreBehaviour(Backend backend) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-queues-").FullName;
    private IKeyspace? _store;

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private QueueStore Queues => new(Store);

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_scratch);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_scratch, recursive: true);
    }

    private async Task<long> LeaseAsync(long ttl = 60) => (await Store.GrantLeaseAsync(ttl)).Id;

    private Task<QueueItemDto?> DequeueAsync(string queue, long lease, double? wait, CancellationToken cancellationToken = default) =>
        Queues.DequeueAsync(queue, new DequeueDto { Lease = lease, WaitSeconds = wait }, cancellationToken);

    // Consumers waiting for an item stand in line under the queue's waiters/ keys: how a test knows one is waiting.
    private async Task<long> WaitingAsync(string queue) =>
        (await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(QueueStore.Prefix + queue + "/waiters/")) { CountOnly = true })).Count;

    [Fact]
    public async Task Items_AreDeliveredInEnqueueOrder()
    {
        var enqueued = new List<QueueItemDto>();
        for (var i = 0; i < 10; i++)
        {
            enqueued.Add(await Queues.EnqueueAsync("fifo", $"v{i}"));
        }

        Assert.Equal(enqueued.Select(e => e.Revision).Order(), enqueued.Select(e => e.Revision));
        Assert.Equal(enqueued.Select(e => e.Id).Order(StringComparer.Ordinal), enqueued.Select(e => e.Id));
        Assert.Equal(10, enqueued.Select(e => e.Id).Distinct().Count());
        Assert.Equal((10, 0), await StateAsync("fifo"));

        var lease = await LeaseAsync();
        var delivered = new List<QueueItemDto>();
        for (var i = 0; i < 10; i++)
        {
            delivered.Add((await DequeueAsync("fifo", lease, 0))!);
        }

        Assert.Equal(enqueued.Select(e => (e.Id, e.Value, e.Revision)), delivered.Select(d => (d.Id, d.Value, d.Revision)));
        Assert.All(delivered, d => Assert.Equal((1, lease, "fifo"), (d.Deliveries, d.Lease!.Value, d.Queue)));
        Assert.Null(await DequeueAsync("fifo", lease, 0));
        Assert.Equal((0, 10), await StateAsync("fifo"));

        foreach (var item in delivered)
        {
            Assert.True(await Queues.AckAsync("fifo", item.Id, lease));
        }

        Assert.Equal((0, 0), await StateAsync("fifo"));
    }

    [Fact]
    public async Task TwoConsumers_NeverGetTheSameItem_WhileBothAreAlive()
    {
        for (var i = 0; i < 40; i++)
        {
            await Queues.EnqueueAsync("pair", $"v{i}");
        }

        var leases = new[] { await LeaseAsync(), await LeaseAsync() };
        var got = await Task.WhenAll(leases.Select(lease => Task.Run(async () =>
        {
            var mine = new List<QueueItemDto>();
            while (await DequeueAsync("pair", lease, 0) is { } item)
            {
                mine.Add(item);
            }

            return mine;
        })));

        Assert.Empty(got[0].Select(i => i.Id).Intersect(got[1].Select(i => i.Id)));
        Assert.Equal(40, got.Sum(g => g.Count));
        Assert.All(got[0], i => Assert.Equal(leases[0], i.Lease));
        Assert.All(got[1], i => Assert.Equal(leases[1], i.Lease));
        Assert.Equal((0, 40), await StateAsync("pair"));
    }

    [Fact]
    public async Task WhenAConsumersSessionEnds_ItsUnackedItemIsDeliveredAgain()
    {
        var job = await Queues.EnqueueAsync("redeliver", "job");
        var first = await LeaseAsync();
        var second = await LeaseAsync();
        var taken = await DequeueAsync("redeliver", first, 0);
        Assert.Equal((job.Id, 1), (taken!.Id, taken.Deliveries));

        // The second consumer waits: the only item is the first's while its session lives.
        var waiting = DequeueAsync("redeliver", second, Deadline.TotalSeconds);
        await Eventually.UntilAsync(async () => await WaitingAsync("redeliver") == 1 || waiting.IsCompleted, Deadline, "the second consumer waits");
        Assert.False(waiting.IsCompleted);

        await Store.RevokeLeaseAsync(first);

        var again = await waiting.WaitAsync(Deadline);
        Assert.Equal((job.Id, "job", 2, second), (again!.Id, again.Value, again.Deliveries, again.Lease!.Value));
        Assert.False(await Queues.AckAsync("redeliver", job.Id, first));
        Assert.True(await Queues.AckAsync("redeliver", job.Id, second));
        Assert.Equal((0, 0), await StateAsync("redeliver"));
        Assert.Equal(0, await WaitingAsync("redeliver"));
    }

    [Fact]
    public async Task Ack_RemovesTheItem_AndNack_GivesItBack()
    {
        var a = await Queues.EnqueueAsync("acks", "a");
        var b = await Queues.EnqueueAsync("acks", "b");
        var one = await LeaseAsync();
        var two = await LeaseAsync();

        Assert.Equal(a.Id, (await DequeueAsync("acks", one, 0))!.Id);
        Assert.False(await Queues.NackAsync("acks", a.Id, two)); // not two's to give back
        Assert.True(await Queues.NackAsync("acks", a.Id, one));
        Assert.False(await Queues.NackAsync("acks", a.Id, one));
        Assert.Equal((2, 0), await StateAsync("acks"));

        var again = await DequeueAsync("acks", two, 0);
        Assert.Equal((a.Id, 2), (again!.Id, again.Deliveries)); // still first in line
        Assert.False(await Queues.AckAsync("acks", a.Id, one));
        Assert.True(await Queues.AckAsync("acks", a.Id, two));
        Assert.False(await Queues.AckAsync("acks", a.Id, two));
        Assert.Equal((1, 0), await StateAsync("acks"));

        var next = await DequeueAsync("acks", one, 0);
        Assert.Equal((b.Id, "b", 1), (next!.Id, next.Value, next.Deliveries));
    }

    [Fact]
    public async Task Dequeue_WaitsForAnItemEnqueuedLater_AndWakesAtOnce()
    {
        var lease = await LeaseAsync();
        var waiting = DequeueAsync("later", lease, 60);
        await Eventually.UntilAsync(async () => await WaitingAsync("later") == 1 || waiting.IsCompleted, Deadline, "the consumer waits");
        Assert.False(waiting.IsCompleted);

        var clock = Stopwatch.StartNew();
        var item = await Queues.EnqueueAsync("later", "late");
        var got = await waiting.WaitAsync(Deadline);

        Assert.Equal((item.Id, "late", 1), (got!.Id, got.Value, got.Deliveries));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"woke {clock.Elapsed.TotalSeconds:0.0} s after the enqueue");
        Assert.Equal(0, await WaitingAsync("later"));
    }

    [Fact]
    public async Task WaitingConsumers_AreAllServed_WhenABurstArrives()
    {
        var recording = new WatchRecordingKeyspace(Store);
        var queues = new QueueStore(recording);
        var leases = new[] { await LeaseAsync(), await LeaseAsync(), await LeaseAsync() };
        var waiting = leases.Select(lease => queues.DequeueAsync("burst", new DequeueDto { Lease = lease, WaitSeconds = Deadline.TotalSeconds })).ToList();
        await Eventually.UntilAsync(async () => await WaitingAsync("burst") == 3, Deadline, "three consumers wait");

        // They wait in line: only the first watches the queue; each of the others the one before it (and all their own place).
        var queue = QueueStore.Prefix + "burst/";
        var waiters = queue + "waiters/";
        await Eventually.UntilAsync(() => recording.Open().Count == 6, Deadline, "every consumer watches");
        var open = recording.Open();
        Assert.Equal(1, open.Count(range => range.StartsWith($"[{queue}claims/", StringComparison.Ordinal)));
        Assert.Equal(5, open.Count(range => range.StartsWith(waiters, StringComparison.Ordinal)));
        Assert.Equal(3, open.Where(range => range.StartsWith(waiters, StringComparison.Ordinal)).Distinct().Count());

        for (var i = 0; i < 3; i++)
        {
            await Queues.EnqueueAsync("burst", $"v{i}");
        }

        var got = await Task.WhenAll(waiting).WaitAsync(Deadline);
        Assert.Equal(["v0", "v1", "v2"], got.Select(g => g!.Value).Order(StringComparer.Ordinal));
        Assert.Equal(leases.Order(), got.Select(g => g!.Lease!.Value).Order());
        Assert.Equal(0, await WaitingAsync("burst"));
    }

    [Fact]
    public async Task Dequeue_OnAnEmptyQueue_ReturnsNull_WhenTheWaitRunsOut_AndLeavesNothingBehind()
    {
        var lease = await LeaseAsync();
        Assert.Null(await DequeueAsync("empty", lease, 0));
        Assert.Equal(0, await WaitingAsync("empty"));

        var clock = Stopwatch.StartNew();
        Assert.Null(await DequeueAsync("empty", lease, 1));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"gave up after {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(0, await WaitingAsync("empty"));

        // A caller that goes away leaves no place in line behind.
        using var cancel = new CancellationTokenSource();
        var waiting = DequeueAsync("empty", lease, null, cancel.Token);
        await Eventually.UntilAsync(async () => await WaitingAsync("empty") == 1, Deadline, "the consumer waits");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, await WaitingAsync("empty"));

        await Queues.EnqueueAsync("empty", "now");
        Assert.Equal("now", (await DequeueAsync("empty", lease, 0))!.Value);
    }

    [Fact]
    public async Task ManyItems_ManyConsumers_EveryItemIsAckedExactlyOnce()
    {
        const int Items = 200;
        var ids = new List<string>();
        for (var i = 0; i < Items; i++)
        {
            ids.Add((await Queues.EnqueueAsync("many", $"v{i}")).Id);
        }

        // A consumer takes five items and dies without acknowledging them: they must come round again.
        var doomed = await LeaseAsync();
        var lost = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            lost.Add((await DequeueAsync("many", doomed, 0))!.Id);
        }

        await Store.RevokeLeaseAsync(doomed);

        var acked = new ConcurrentDictionary<string, int>();
        var deliveries = new ConcurrentDictionary<string, int>();
        var consumers = Enumerable.Range(0, 4).Select(n => Task.Run(async () =>
        {
            var lease = await LeaseAsync();
            var taken = 0;
            while (acked.Count < Items)
            {
                if (await DequeueAsync("many", lease, 1) is not { } item)
                {
                    continue;
                }

                deliveries[item.Id] = item.Deliveries;
                if (n == 0 && ++taken % 7 == 0)
                {
                    Assert.True(await Queues.NackAsync("many", item.Id, lease)); // give one back now and then
                    continue;
                }

                Assert.True(await Queues.AckAsync("many", item.Id, lease));
                acked.AddOrUpdate(item.Id, 1, (_, count) => count + 1);
            }
        })).ToList();
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ids.Order(StringComparer.Ordinal), acked.Keys.Order(StringComparer.Ordinal));
        Assert.All(acked.Values, count => Assert.Equal(1, count));
        Assert.All(lost, id => Assert.True(deliveries[id] >= 2, $"{id} was delivered {deliveries[id]} times"));
        Assert.Equal((0, 0), await StateAsync("many"));
        Assert.Equal(0, await WaitingAsync("many"));
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingIsWritten()
    {
        var lease = await LeaseAsync();
        await Queues.EnqueueAsync("good", "x");
        var before = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(QueueStore.Prefix)));

        foreach (var queue in new[] { "", "a/b", "..", " q", new string('q', 129) })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.EnqueueAsync(queue, "x"));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => DequeueAsync(queue, lease, 0));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.AckAsync(queue, "1", lease));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.NackAsync(queue, "1", lease));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.GetAsync(queue));
        }

        await Assert.ThrowsAsync<InvalidArgumentException>(() => DequeueAsync("good", 0, 0));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => DequeueAsync("good", lease, -1));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => DequeueAsync("good", lease, double.NaN));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => DequeueAsync("good", lease, double.PositiveInfinity));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.AckAsync("good", "a/b", lease));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Queues.AckAsync("good", "1", 0));

        // A consumer whose session is gone gets nothing, and the item stays ready.
        var gone = await LeaseAsync();
        await Store.RevokeLeaseAsync(gone);
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => DequeueAsync("good", gone, 0));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => DequeueAsync("empty", gone, 5));

        var after = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(QueueStore.Prefix)));
        Assert.Equal(before.Kvs.Select(kv => (kv.Key, kv.ModRevision)), after.Kvs.Select(kv => (kv.Key, kv.ModRevision)));
        Assert.Equal(1, (await DequeueAsync("good", lease, 0))!.Deliveries);
    }

    private async Task<(int Ready, int InFlight)> StateAsync(string queue)
    {
        var state = await Queues.GetAsync(queue);
        Assert.Equal(queue, state.Queue);
        return (state.Ready, state.InFlight);
    }
}
