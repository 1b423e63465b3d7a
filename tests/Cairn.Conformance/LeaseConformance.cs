using System.Diagnostics;
using System.Globalization;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Conformance;

/// <summary>
/// Leases, as etcd promises them: grant, attach keys, time-to-live, keep-alive, revoke (all keys in one revision) and
/// expiry by the store's own clock. Expiry tests use real time, which every backend has; they wait on conditions with
/// deadlines.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class LeaseConformance(Backend backend) : KeyspaceConformance(backend)
{
    /// <summary>How long the store may take to notice an expired lease before the test fails.</summary>
    protected virtual TimeSpan ExpiryDeadline => TimeSpan.FromSeconds(15);

    // Real-time tests on a loaded machine: the test process itself may stall for seconds. An attempt in which it did
    // not do what the test needs in time (attach keys before the TTL ran out, renew well within the TTL) says nothing
    // about the store and is made again, up to this many times.
    private const int StalledAttempts = 3;

    // The kept-alive lease: renewed every 200 ms, it must outlive its TTL as long as every wait between renewals is
    // under KeepAliveInTime (a margin under the TTL for the store's clock and for when within a call it renewed).
    private const long KeptAliveTtl = 5;
    private static readonly TimeSpan KeepAliveInTime = TimeSpan.FromSeconds(KeptAliveTtl - 1);

    /// <summary>Puts <paramref name="key"/> attached to <paramref name="lease"/>.</summary>
    protected async Task<PutResult> PutWithLeaseAsync(string key, string value, long lease) =>
        await Store.PutAsync(new PutRequest(key, Bytes(value)) { Lease = lease });

    /// <summary>Waits until <paramref name="key"/> is gone; fails the test after <paramref name="deadline"/>.</summary>
    protected async Task WaitUntilAbsentAsync(string key, TimeSpan deadline)
    {
        var stopwatch = Stopwatch.StartNew();
        while (await GetAsync(key) is not null)
        {
            Assert.True(stopwatch.Elapsed < deadline, $"'{key}' was still there after {deadline.TotalSeconds:0.#} s.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Grant_WithoutAnId_ChoosesAPositiveId_AndGrantsTheTtl()
    {
        var grant = await Store.GrantLeaseAsync(60);
        var other = await Store.GrantLeaseAsync(60);

        Assert.True(grant.Id > 0, $"Lease id {grant.Id} is not positive.");
        Assert.NotEqual(grant.Id, other.Id);
        Assert.Equal(60, grant.TtlSeconds);
    }

    [Fact]
    public async Task Grant_WithAnId_UsesThatId()
    {
        var grant = await Store.GrantLeaseAsync(60, id: 4242);

        Assert.Equal(4242, grant.Id);
        Assert.Equal(4242, (await Store.LeaseTimeToLiveAsync(4242))?.Id);
    }

    [Fact]
    public async Task Grant_WithAnIdInUse_ThrowsInvalidArgument_AndKeepsTheFirstLease()
    {
        await Store.GrantLeaseAsync(60, id: 7);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Store.GrantLeaseAsync(120, id: 7).AsTask());

        Assert.Equal(60, (await Store.LeaseTimeToLiveAsync(7))?.GrantedTtlSeconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(Leases.MaxTtlSeconds + 1)]
    [InlineData(long.MaxValue)]
    public async Task Grant_WithATtlOutOfBounds_ThrowsInvalidArgument(long ttl)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Store.GrantLeaseAsync(ttl).AsTask());

        Assert.Empty(await Store.ListLeasesAsync());
    }

    [Fact]
    public async Task Grant_WithTheLongestTtl_Works()
    {
        var grant = await Store.GrantLeaseAsync(Leases.MaxTtlSeconds);

        Assert.Equal(Leases.MaxTtlSeconds, (await Store.LeaseTimeToLiveAsync(grant.Id))?.GrantedTtlSeconds);
    }

    [Fact]
    public async Task Grant_WithANegativeId_ThrowsInvalidArgument()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Store.GrantLeaseAsync(60, id: -5).AsTask());
    }

    [Fact]
    public async Task Put_WithAnUnknownLease_ThrowsLeaseNotFound_AndWritesNothing()
    {
        var before = await RevisionAsync();

        var error = await Assert.ThrowsAsync<LeaseNotFoundException>(() => PutWithLeaseAsync("k", "v", 987654));

        Assert.Equal(987654, error.LeaseId);
        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("k"));
    }

    [Fact]
    public async Task TxnPut_WithAnUnknownLease_ThrowsLeaseNotFound_AndWritesNothing()
    {
        var before = await RevisionAsync();

        await Assert.ThrowsAsync<LeaseNotFoundException>(
            () => TxnAsync([], [Put("plain", "v"), new PutRequest("leased", Bytes("v")) { Lease = 987654 }]));

        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await GetAsync("plain"));
        Assert.Null(await GetAsync("leased"));
    }

    [Fact]
    public async Task Put_WithALease_AttachesTheKeyToIt()
    {
        var lease = await Store.GrantLeaseAsync(60);
        await using var watch = Watch(KeyRange.Single("k"), await RevisionAsync() + 1);

        var put = await PutWithLeaseAsync("k", "v", lease.Id);

        var kv = (await GetAsync("k"))!;
        Assert.Equal((lease.Id, put.Revision), (kv.Lease, kv.ModRevision));
        Assert.Equal(lease.Id, Assert.Single((await watch.NextEventsAsync()).Events).Kv.Lease);
    }

    [Fact]
    public async Task Put_WithoutALease_DetachesTheKey_SoRevokeLeavesIt()
    {
        var lease = await Store.GrantLeaseAsync(60);
        await PutWithLeaseAsync("k", "leased", lease.Id);
        await PutAsync("k", "plain");

        await Store.RevokeLeaseAsync(lease.Id);

        var kv = (await GetAsync("k"))!;
        Assert.Equal(("plain", 0L), (Text(kv.Value), kv.Lease));
    }

    [Fact]
    public async Task TimeToLive_ReportsTheGrantedTtl_TheRemainingTime_AndTheKeysWhenAsked()
    {
        var lease = await Store.GrantLeaseAsync(100);
        await PutWithLeaseAsync("b", "1", lease.Id);
        await PutWithLeaseAsync("a", "1", lease.Id);
        await PutAsync("c", "not leased");

        var withoutKeys = (await Store.LeaseTimeToLiveAsync(lease.Id))!;
        var withKeys = (await Store.LeaseTimeToLiveAsync(lease.Id, includeKeys: true))!;

        Assert.Equal((lease.Id, 100L), (withoutKeys.Id, withoutKeys.GrantedTtlSeconds));
        Assert.InRange(withoutKeys.RemainingTtlSeconds, 1, 100);
        Assert.Empty(withoutKeys.Keys);
        Assert.Equal(["a", "b"], withKeys.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TimeToLive_OfAnUnknownLease_IsNull()
    {
        Assert.Null(await Store.LeaseTimeToLiveAsync(123456));
    }

    [Fact]
    public async Task KeepAlive_RenewsToTheGrantedTtl()
    {
        var lease = await Store.GrantLeaseAsync(30);

        var info = await Store.KeepAliveLeaseAsync(lease.Id);

        Assert.Equal((lease.Id, 30L), (info.Id, info.GrantedTtlSeconds));
        Assert.InRange(info.RemainingTtlSeconds, 1, 30);
    }

    [Fact]
    public async Task KeepAlive_OfAnUnknownLease_ThrowsLeaseNotFound()
    {
        var error = await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveLeaseAsync(55555).AsTask());

        Assert.Equal(55555, error.LeaseId);
    }

    [Fact]
    public async Task Revoke_DeletesEveryKeyOfTheLease_InOneRevision_SeenByAWatcherAsOneResponse()
    {
        const int Count = 1000;
        var lease = await Store.GrantLeaseAsync(600);
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => PutWithLeaseAsync($"l/{i:D4}", i.ToString(CultureInfo.InvariantCulture), lease.Id)));
        await PutAsync("l/unleased", "stays");
        var before = await RevisionAsync();
        await using var watch = Watch(KeyRange.Prefix("l/"), before + 1);

        var revoked = await Store.RevokeLeaseAsync(lease.Id);
        var response = await watch.NextEventsAsync();

        Assert.Equal(before + 1, revoked);
        Assert.Equal(revoked, await RevisionAsync());
        Assert.Equal(["l/unleased"], await KeysAsync(KeyRange.Prefix("l/")));
        Assert.Equal(revoked, response.Revision);
        Assert.Equal(Count, response.Events.Count);
        Assert.All(response.Events, e => Assert.Equal((WatchEventType.Delete, revoked), (e.Type, e.Kv.ModRevision)));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"l/{i:D4}"), response.Events.Select(e => e.Kv.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Revoke_RemovesTheLease()
    {
        var lease = await Store.GrantLeaseAsync(60);
        var kept = await Store.GrantLeaseAsync(60);
        await PutWithLeaseAsync("k", "v", lease.Id);

        await Store.RevokeLeaseAsync(lease.Id);

        Assert.Null(await Store.LeaseTimeToLiveAsync(lease.Id));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveLeaseAsync(lease.Id).AsTask());
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => PutWithLeaseAsync("k", "again", lease.Id));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.RevokeLeaseAsync(lease.Id).AsTask());
        Assert.Equal([kept.Id], (await Store.ListLeasesAsync()).Select(l => l.Id));
    }

    [Fact]
    public async Task Revoke_OfALeaseWithoutKeys_KeepsTheRevision()
    {
        await PutAsync("k", "v");
        var lease = await Store.GrantLeaseAsync(60);
        var before = await RevisionAsync();

        var revoked = await Store.RevokeLeaseAsync(lease.Id);

        Assert.Equal(before, revoked);
        Assert.Equal(before, await RevisionAsync());
        Assert.Null(await Store.LeaseTimeToLiveAsync(lease.Id));
    }

    [Fact]
    public async Task Revoke_OfAnUnknownLease_ThrowsLeaseNotFound()
    {
        var error = await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.RevokeLeaseAsync(31337).AsTask());

        Assert.Equal(31337, error.LeaseId);
    }

    [Fact]
    public async Task ListLeases_IncludesGrantedLeases_AndNotRevokedOnes()
    {
        var a = await Store.GrantLeaseAsync(60);
        var b = await Store.GrantLeaseAsync(120, id: 99);
        var c = await Store.GrantLeaseAsync(60);
        await Store.RevokeLeaseAsync(c.Id);

        var leases = await Store.ListLeasesAsync();

        Assert.Equal(new[] { a.Id, b.Id }.Order(), leases.Select(l => l.Id).Order());
        Assert.Equal(120, leases.Single(l => l.Id == 99).GrantedTtlSeconds);
        Assert.All(leases, l => Assert.Empty(l.Keys));
    }

    [Fact]
    public async Task Lease_WithoutKeepAlive_IsRevokedByTheStore_AndAWatcherSeesTheDeletes()
    {
        for (var attempt = 1; ; attempt++)
        {
            var prefix = $"expiring/{attempt}/";
            var granting = Stopwatch.StartNew();
            var lease = await Store.GrantLeaseAsync(Leases.MinTtlSeconds);
            TxnResult put;
            try
            {
                put = await TxnAsync([], [new PutRequest(prefix + "a", Bytes("v")) { Lease = lease.Id }, new PutRequest(prefix + "b", Bytes("v")) { Lease = lease.Id }]);
            }
            catch (LeaseNotFoundException) when (granting.Elapsed >= TimeSpan.FromSeconds(lease.TtlSeconds) && attempt < StalledAttempts)
            {
                // This process stalled for the whole TTL between the grant and the put: try again.
                continue;
            }

            await using var watch = Watch(KeyRange.Prefix(prefix), put.Revision + 1);

            await WaitUntilAbsentAsync(prefix + "a", TimeSpan.FromSeconds(lease.TtlSeconds) + ExpiryDeadline);
            var response = await watch.NextEventsAsync();

            Assert.Null(await GetAsync(prefix + "b"));
            Assert.Null(await Store.LeaseTimeToLiveAsync(lease.Id));
            Assert.Equal([$"Delete {prefix}a", $"Delete {prefix}b"], response.Events.Select(e => $"{e.Type} {e.Kv.Key}"));
            await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveLeaseAsync(lease.Id).AsTask());
            return;
        }
    }

    [Fact]
    public async Task Lease_KeptAlive_OutlivesItsTtl_AndExpiresOnceKeepAlivesStop()
    {
        for (var attempt = 1; ; attempt++)
        {
            var key = $"alive/{attempt}";
            var run = await KeepAliveBeyondTtlAsync(key);
            if (!run.Alive)
            {
                Assert.True(run.LongestWait >= KeepAliveInTime, $"The store dropped lease {run.Lease} (or its key) although the longest wait between its renewals was {run.LongestWait.TotalSeconds:0.0#} s, with a TTL of {KeptAliveTtl} s.");

                // This process stalled too long between renewals (it renews every 200 ms): the lease could expire,
                // which says nothing about the store, so the attempt does not count.
                Assert.True(attempt < StalledAttempts, $"The test could not renew a lease in time in {StalledAttempts} attempts; the last longest wait between renewals was {run.LongestWait.TotalSeconds:0.0#} s.");
                continue;
            }

            // Kept alive for longer than its TTL and still there; now it expires by itself.
            await WaitUntilAbsentAsync(key, TimeSpan.FromSeconds(KeptAliveTtl) + ExpiryDeadline);
            Assert.Null(await Store.LeaseTimeToLiveAsync(run.Lease));
            return;
        }
    }

    // A lease of KeptAliveTtl seconds with a key attached, kept alive every 200 ms for 1.5 times its TTL and checked at
    // every step. Every wait the store could have seen between renewals is measured: from the start of the call that
    // last renewed the lease to the end of the next answer (whenever within its call the store did the work).
    // Alive: the lease and its key were there at every check.
    private async Task<(long Lease, bool Alive, TimeSpan LongestWait)> KeepAliveBeyondTtlAsync(string key)
    {
        var clock = Stopwatch.StartNew();
        var lease = (await Store.GrantLeaseAsync(KeptAliveTtl)).Id;
        var renewedFrom = TimeSpan.Zero; // the grant started at 0
        var longest = TimeSpan.Zero;

        void Answered()
        {
            var wait = clock.Elapsed - renewedFrom;
            longest = wait > longest ? wait : longest;
        }

        async Task<bool> KeepAliveAsync()
        {
            var started = clock.Elapsed;
            try
            {
                await Store.KeepAliveLeaseAsync(lease);
            }
            catch (LeaseNotFoundException)
            {
                Answered();
                return false;
            }

            Answered();
            renewedFrom = started;
            return true;
        }

        async Task<bool> StillThereAsync()
        {
            var there = await GetAsync(key) is not null && await Store.LeaseTimeToLiveAsync(lease) is not null;
            Answered();
            return there;
        }

        bool alive;
        try
        {
            await PutWithLeaseAsync(key, "v", lease);
            alive = true;
        }
        catch (LeaseNotFoundException)
        {
            alive = false;
        }

        Answered();
        while (alive && clock.Elapsed < TimeSpan.FromSeconds(KeptAliveTtl * 1.5))
        {
            // The cadence is the client's, not a synchronisation.
            await Task.Delay(200);
            alive = await KeepAliveAsync() && await StillThereAsync();
        }

        return (lease, alive, longest);
    }
}
