using System.Diagnostics;
using System.Globalization;
using Cairn.Core;

namespace Cairn.Conformance;

/// <summary>
/// Leases, as etcd promises them: grant, attach keys, time-to-live, keep-alive, revoke (all keys in one revision) and
/// expiry by the store's own clock. Expiry tests use real time, which every backend has; they wait on conditions with
/// deadlines.
/// </summary>
public abstract class LeaseConformance : KeyspaceConformance
{
    /// <summary>How long the store may take to notice an expired lease before the test fails.</summary>
    protected virtual TimeSpan ExpiryDeadline => TimeSpan.FromSeconds(15);

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
        var lease = await Store.GrantLeaseAsync(Leases.MinTtlSeconds);
        var put = await TxnAsync([], [new PutRequest("expiring/a", Bytes("v")) { Lease = lease.Id }, new PutRequest("expiring/b", Bytes("v")) { Lease = lease.Id }]);
        await using var watch = Watch(KeyRange.Prefix("expiring/"), put.Revision + 1);

        await WaitUntilAbsentAsync("expiring/a", ExpiryDeadline);
        var response = await watch.NextEventsAsync();

        Assert.Null(await GetAsync("expiring/b"));
        Assert.Null(await Store.LeaseTimeToLiveAsync(lease.Id));
        Assert.Equal(["Delete expiring/a", "Delete expiring/b"], response.Events.Select(e => $"{e.Type} {e.Kv.Key}"));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Store.KeepAliveLeaseAsync(lease.Id).AsTask());
    }

    [Fact]
    public async Task Lease_KeptAlive_OutlivesItsTtl_AndExpiresOnceKeepAlivesStop()
    {
        // TTL 3 s with a keep-alive every 200 ms: only a stall of the whole test process longer than the TTL (seen
        // with a 2 s TTL when four test assemblies share two cores) could expire it.
        const long Ttl = 3;
        var lease = await Store.GrantLeaseAsync(Ttl);
        await PutWithLeaseAsync("alive", "v", lease.Id);

        // Keep it alive for half again its TTL; the cadence is the client's, not a synchronisation.
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(Ttl * 1.5))
        {
            await Store.KeepAliveLeaseAsync(lease.Id);
            await Task.Delay(200);
        }

        await Store.KeepAliveLeaseAsync(lease.Id);
        Assert.NotNull(await GetAsync("alive"));
        Assert.NotNull(await Store.LeaseTimeToLiveAsync(lease.Id));

        await WaitUntilAbsentAsync("alive", ExpiryDeadline);
        Assert.Null(await Store.LeaseTimeToLiveAsync(lease.Id));
    }
}
