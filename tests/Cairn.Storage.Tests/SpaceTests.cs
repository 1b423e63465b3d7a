using Cairn.Core;
using Cairn.Storage.Space;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Storage.Tests;

/// <summary>The "no space" alarm: when it trips, and what it refuses and lets through.</summary>
public sealed class SpaceTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void Quota_TripsOnData_OrOnTheFreeFloor_CountingRoomInsideTheStore_AndTheLogStillToCopy()
    {
        var quota = new SpaceQuota(QuotaBytes: 100 * MiB, MinFreeBytes: 10 * MiB);

        Assert.Null(quota.Evaluate(usedBytes: 50 * MiB, reusableBytes: 0, pendingBytes: 0, disk: (Free: 20 * MiB, Total: 1000 * MiB)));
        Assert.Contains("Limits:QuotaBytes", quota.Evaluate(100 * MiB, 0, 0, (20 * MiB, 1000 * MiB)), StringComparison.Ordinal);
        Assert.Contains("Limits:MinFreeBytes", quota.Evaluate(50 * MiB, 0, 0, (9 * MiB, 1000 * MiB)), StringComparison.Ordinal);
        // Free pages inside the database are room for new data too.
        Assert.Null(quota.Evaluate(50 * MiB, reusableBytes: 2 * MiB, pendingBytes: 0, (9 * MiB, 1000 * MiB)));
        // A write-ahead log not yet copied into the database will take room there.
        Assert.NotNull(quota.Evaluate(50 * MiB, reusableBytes: 0, pendingBytes: 11 * MiB, (20 * MiB, 1000 * MiB)));
        // A remote store has no disk of ours to measure.
        Assert.Null(quota.Evaluate(50 * MiB, 0, 0, disk: null));
    }

    [Fact]
    public void Quota_ByDefault_IsTheDisk_WithAFloorOfFivePercent_Between4MiBAnd1GiB()
    {
        var quota = new SpaceQuota(0, 0);

        Assert.Equal(4 * MiB, quota.MinFreeOn(16 * MiB));
        Assert.Equal(50 * MiB, quota.MinFreeOn(1000 * MiB));
        Assert.Equal(1024 * MiB, quota.MinFreeOn(1_000_000 * MiB));
        Assert.Null(quota.Evaluate(long.MaxValue / 2, 0, 0, (5 * MiB, 16 * MiB)));
        Assert.NotNull(quota.Evaluate(1, 0, 0, (3 * MiB, 16 * MiB)));
    }

    [Fact]
    public async Task RaisedAlarm_RefusesWhatAddsData_AndLetsThroughWhatFreesIt()
    {
        var inner = new CountingStore();
        var alarm = new SpaceAlarm();
        var looks = 0;
        await using var store = new SpaceGuardedKeyspace(inner, alarm, new FakeTimeProvider(), () => looks++);
        alarm.Raise("the disk is full", DateTimeOffset.UnixEpoch);

        var put = new PutRequest("k", new byte[] { 1 });
        var refused = await Assert.ThrowsAsync<InsufficientStorageException>(() => store.PutAsync(put).AsTask());
        Assert.Contains("the disk is full", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InsufficientStorageException>(() => store.TxnAsync(new TxnRequest([], [], [put])).AsTask());
        await Assert.ThrowsAsync<InsufficientStorageException>(() => store.GrantLeaseAsync(10).AsTask());
        Assert.Equal(0, inner.Writes);

        await store.DeleteAsync(new DeleteRequest(KeyRange.Prefix("")));
        await store.TxnAsync(new TxnRequest([], [new DeleteRequest(KeyRange.Single("k"))], []));
        await store.CompactAsync(5);
        await store.RevokeLeaseAsync(7);
        Assert.Equal(4, inner.Writes);
        Assert.Equal(4, looks); // each one asks the monitor to look again

        alarm.Clear();
        await store.PutAsync(put);
        Assert.Equal(5, inner.Writes);
    }

    [Fact]
    public async Task TheStoresOwnNoSpaceError_RaisesTheAlarm()
    {
        var inner = new CountingStore { Full = true };
        var alarm = new SpaceAlarm();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var store = new SpaceGuardedKeyspace(inner, alarm, time);

        await Assert.ThrowsAsync<InsufficientStorageException>(() => store.PutAsync(new PutRequest("k", new byte[] { 1 })).AsTask());

        Assert.True(alarm.IsRaised);
        Assert.Equal("the engine is out of space", alarm.Reason);
        Assert.Equal(time.GetUtcNow(), alarm.Since);
    }

    [Fact]
    public async Task ADeleteOnADiskFullToTheLastByte_IsTriedOnceMore_AfterTheReserveIsGivenBack()
    {
        var inner = new CountingStore { Full = true };
        var alarm = new SpaceAlarm();
        var releases = 0;
        await using var store = new SpaceGuardedKeyspace(inner, alarm, new FakeTimeProvider(), release: _ =>
        {
            releases++;
            inner.Full = false; // the reserve's room is back
            return ValueTask.FromResult(true);
        });

        await store.DeleteAsync(new DeleteRequest(KeyRange.Single("k")));
        Assert.Equal((1, 1), (releases, inner.Writes));
        Assert.False(alarm.IsRaised);

        // No reserve left: the no-space error goes to the caller and raises the alarm; a put is never retried.
        inner.Full = true;
        await using var bare = new SpaceGuardedKeyspace(inner, alarm, new FakeTimeProvider(), release: _ => ValueTask.FromResult(false));
        await Assert.ThrowsAsync<InsufficientStorageException>(() => bare.CompactAsync(5).AsTask());
        Assert.True(alarm.IsRaised);
        await Assert.ThrowsAsync<InsufficientStorageException>(() => store.PutAsync(new PutRequest("k", new byte[] { 1 })).AsTask());
        Assert.Equal(1, releases);
    }

    [Fact]
    public void Reserve_IsAFileOfTheSizeAsked_GivenBackOnce_AndMadeAgain()
    {
        var directory = Directory.CreateTempSubdirectory("cairn-reserve-");
        try
        {
            var reserve = new SpaceReserve(Path.Combine(directory.FullName, SpaceReserve.FileName));
            Assert.True(reserve.Ensure(3 << 20));
            Assert.False(reserve.Ensure(3 << 20));
            Assert.Equal(3 << 20, new FileInfo(reserve.Path).Length);
            Assert.True(reserve.Release());
            Assert.False(reserve.Release());
            Assert.False(reserve.IsHeld);
            Assert.True(reserve.Ensure(1 << 20));
            Assert.Equal([SpaceReserve.FileName], directory.GetFiles().Select(f => f.Name));
            Assert.Equal((1L << 20, 4L << 20, 128L << 20), (SpaceReserve.SizeFor(0), SpaceReserve.SizeFor(4 << 20), SpaceReserve.SizeFor(1L << 30)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // Answers every write with an empty result (or the engine's own no-space error) and counts them.
    private sealed class CountingStore : IKeyspace
    {
        public int Writes { get; private set; }

        public bool Full { get; set; }

        private T Write<T>(T result)
        {
            if (Full)
            {
                throw new InsufficientStorageException("the engine is out of space");
            }

            Writes++;
            return result;
        }

        public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(new PutResult(1, null)));

        public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(new DeleteResult(1, 0, [])));

        public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(new TxnResult(1, true, [])));

        public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(new CompactResult(1, revision)));

        public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(new LeaseGrant(1, ttlSeconds, 1)));

        public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) => ValueTask.FromResult(Write(1L));

        public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
