using System.Diagnostics;
using System.Text;
using Cairn.Conformance;
using Cairn.Core;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Storage.Sqlite.Tests;

/// <summary>
/// Lease expiry by the store's clock (a fake one here): leases expire when that clock passes their TTL, not before,
/// whatever real time does; a restart keeps leases and renews each to its full TTL.
/// </summary>
public sealed class SqliteLeaseClockTests : IDisposable
{
    // The sweeper waits this long on the fake clock between sweeps; the tests advance the clock by it to let it run.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    private Task<SqliteKeyspace> OpenAsync() => SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions
    {
        Path = _directory.File("cairn.db"),
        Time = _clock,
        LeaseSweepInterval = SweepInterval,
    });

    private static async Task PutAsync(IKeyspace store, string key, long lease) =>
        await store.PutAsync(new PutRequest(key, Encoding.UTF8.GetBytes("v")) { Lease = lease });

    private static async Task<bool> ExistsAsync(IKeyspace store, string key) =>
        (await store.RangeAsync(new RangeRequest(KeyRange.Single(key)))).Kvs.Count > 0;

    // Lets the sweeper run (each step moves the fake clock by one sweep interval, so at most a few milliseconds of
    // fake time in all) until `key` is gone; fails after a real-time deadline.
    private async Task SweepUntilAbsentAsync(IKeyspace store, string key)
    {
        var stopwatch = Stopwatch.StartNew();
        while (await ExistsAsync(store, key))
        {
            Assert.True(stopwatch.Elapsed < Deadline, $"'{key}' was not removed within {Deadline.TotalSeconds} s of real time.");
            _clock.Advance(SweepInterval);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Lease_ExpiresWhenTheStoreClockPassesItsTtl()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(10);
        await PutAsync(store, "k", lease.Id);

        _clock.Advance(TimeSpan.FromSeconds(10));
        await SweepUntilAbsentAsync(store, "k");

        Assert.Null(await store.LeaseTimeToLiveAsync(lease.Id));
        Assert.Empty(await store.ListLeasesAsync());
    }

    [Fact]
    public async Task Lease_IsKept_WhileTheStoreClockIsBeforeItsExpiry()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(10);
        await PutAsync(store, "k", lease.Id);
        var canary = await store.GrantLeaseAsync(5);
        await PutAsync(store, "canary", canary.Id);

        // The canary's removal proves the sweeper has run at this time.
        _clock.Advance(TimeSpan.FromSeconds(8));
        await SweepUntilAbsentAsync(store, "canary");

        Assert.True(await ExistsAsync(store, "k"));
        var info = (await store.LeaseTimeToLiveAsync(lease.Id))!;
        Assert.Equal((10L, 2L), (info.GrantedTtlSeconds, info.RemainingTtlSeconds));
    }

    [Fact]
    public async Task TimeToLive_CountsDownWithTheStoreClock_AndKeepAliveRenewsIt()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(10);

        _clock.Advance(TimeSpan.FromSeconds(3.5));
        var before = (await store.LeaseTimeToLiveAsync(lease.Id))!.RemainingTtlSeconds;
        var renewed = await store.KeepAliveLeaseAsync(lease.Id);
        var after = (await store.LeaseTimeToLiveAsync(lease.Id))!.RemainingTtlSeconds;

        Assert.Equal(7, before);
        Assert.Equal(10, renewed.RemainingTtlSeconds);
        Assert.Equal(10, after);
    }

    [Fact]
    public async Task KeepAlive_PushesExpiryOneTtlPastTheKeepAlive()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(10);
        await PutAsync(store, "k", lease.Id);
        _clock.Advance(TimeSpan.FromSeconds(8));
        await store.KeepAliveLeaseAsync(lease.Id);
        var canary = await store.GrantLeaseAsync(5);
        await PutAsync(store, "canary", canary.Id);

        _clock.Advance(TimeSpan.FromSeconds(8)); // 16 s after the grant, 8 s after the keep-alive
        await SweepUntilAbsentAsync(store, "canary");
        Assert.True(await ExistsAsync(store, "k"));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await SweepUntilAbsentAsync(store, "k");
    }

    [Fact]
    public async Task ExpiredLease_IsGoneAtOnceByTheClock_EvenBeforeTheSweeperDeletesItsKeys()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(5);
        var before = (await store.StatusAsync()).Revision;

        _clock.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.KeepAliveLeaseAsync(lease.Id).AsTask());
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => PutAsync(store, "k", lease.Id));
        Assert.Null(await store.LeaseTimeToLiveAsync(lease.Id));
        Assert.DoesNotContain(lease.Id, (await store.ListLeasesAsync()).Select(l => l.Id));
        Assert.False(await ExistsAsync(store, "k"));
        Assert.Equal(before, (await store.StatusAsync()).Revision);
    }

    [Fact]
    public async Task Expiry_DeletesTheKeysInOneRevision_ThatAWatcherSees()
    {
        await using var store = await OpenAsync();
        var lease = await store.GrantLeaseAsync(10);
        var txn = await store.TxnAsync(new TxnRequest(
            [],
            [.. Enumerable.Range(0, 50).Select(i => new PutRequest($"e/{i:D2}", Encoding.UTF8.GetBytes("v")) { Lease = lease.Id })],
            []));
        await using var watch = new WatchCursor(store, new WatchRequest(KeyRange.Prefix("e/")) { StartRevision = txn.Revision + 1 });

        _clock.Advance(TimeSpan.FromSeconds(10));
        await SweepUntilAbsentAsync(store, "e/49");
        var response = await watch.NextEventsAsync();

        Assert.Equal(txn.Revision + 1, response.Revision);
        Assert.Equal(50, response.Events.Count);
        Assert.All(response.Events, e => Assert.Equal(WatchEventType.Delete, e.Type));
        Assert.Equal(txn.Revision + 1, (await store.StatusAsync()).Revision);
    }

    [Fact]
    public async Task Restart_KeepsLeasesAndTheirKeys_AndRenewsEachToItsFullTtl()
    {
        long id;
        await using (var store = await OpenAsync())
        {
            id = (await store.GrantLeaseAsync(10)).Id;
            await PutAsync(store, "k", id);
            _clock.Advance(TimeSpan.FromSeconds(8));
        }

        // Down for longer than the TTL: no client could have kept the lease alive meanwhile.
        _clock.Advance(TimeSpan.FromSeconds(30));
        await using var reopened = await OpenAsync();

        var info = (await reopened.LeaseTimeToLiveAsync(id, includeKeys: true))!;
        Assert.Equal((10L, 10L), (info.GrantedTtlSeconds, info.RemainingTtlSeconds));
        Assert.Equal(["k"], info.Keys);
        Assert.Equal([id], (await reopened.ListLeasesAsync()).Select(l => l.Id));

        var canary = await reopened.GrantLeaseAsync(5);
        await PutAsync(reopened, "canary", canary.Id);
        _clock.Advance(TimeSpan.FromSeconds(8));
        await SweepUntilAbsentAsync(reopened, "canary");
        Assert.True(await ExistsAsync(reopened, "k"));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await SweepUntilAbsentAsync(reopened, "k");
        Assert.Null(await reopened.LeaseTimeToLiveAsync(id));
    }

    [Fact]
    public async Task Lease_IsTimedByTheMonotonicClock_NotTheWallClock()
    {
        var clock = new SteppedWallClock();
        await using var store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = _directory.File("wall.db"), Time = clock });
        var lease = await store.GrantLeaseAsync(60);
        await PutAsync(store, "k", lease.Id);

        // NTP steps a clock that was an hour behind: no time has passed for the lease.
        clock.Step = TimeSpan.FromHours(1);
        var info = await store.LeaseTimeToLiveAsync(lease.Id);
        var renewed = await store.KeepAliveLeaseAsync(lease.Id);
        await PutAsync(store, "k2", lease.Id);

        Assert.NotNull(info);
        Assert.InRange(info.RemainingTtlSeconds, 50, 60);
        Assert.Equal(60, renewed.RemainingTtlSeconds);
        Assert.True(await ExistsAsync(store, "k"));
    }

    [Fact]
    public async Task Restart_KeepsARevokedLeaseRevoked()
    {
        long id;
        await using (var store = await OpenAsync())
        {
            id = (await store.GrantLeaseAsync(60)).Id;
            await PutAsync(store, "k", id);
            await store.RevokeLeaseAsync(id);
        }

        await using var reopened = await OpenAsync();

        Assert.Null(await reopened.LeaseTimeToLiveAsync(id));
        Assert.False(await ExistsAsync(reopened, "k"));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => reopened.KeepAliveLeaseAsync(id).AsTask());
    }

    // Real monotonic time (the default GetTimestamp), with a wall clock that can be stepped.
    private sealed class SteppedWallClock : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Step;
    }
}
