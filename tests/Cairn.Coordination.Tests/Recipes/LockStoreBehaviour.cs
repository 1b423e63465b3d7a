using Cairn.Contracts;
using Cairn.Coordination.Recipes;

namespace Cairn.Coordination.Tests.Recipes;

/// <summary>Mutexes, read-write locks and semaphores with fencing tokens; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class LockStoreBehaviour(Backend backend) : RecipeBehaviour(backend)
{
    private const string Resource = "/test/resource";

    private LockStore Locks => new(Store);

    private async Task<LockGrantDto> AcquireAsync(string name, string? mode = null, int? permits = null, long? lease = null, double? waitSeconds = null, CancellationToken cancellationToken = default)
    {
        var grant = await Locks.AcquireAsync(
            name,
            new LockRequestDto { Lease = lease ?? await LeaseAsync(), Mode = mode, Permits = permits, WaitSeconds = waitSeconds, Owner = "test" },
            cancellationToken);
        Assert.NotNull(grant);
        return grant;
    }

    private Task<LockGrantDto> AcquireInBackground(string name, string? mode = null, int? permits = null, long? lease = null) =>
        Background(async stop => await AcquireAsync(name, mode, permits, lease, cancellationToken: stop));

    private async Task<List<LockGrantDto>> QueueAsync(string name) => (await Locks.GetAsync(name)).Queue;

    private Task UntilQueuedAsync(string name, int count) =>
        Eventually.UntilAsync(async () => (await QueueAsync(name)).Count == count, Deadline, $"{count} are queued for '{name}'");

    private Task<bool> ReleaseAsync(LockGrantDto grant) => Locks.ReleaseAsync(grant.Name, grant.Key, grant.Token);

    [Fact]
    public async Task Mutex_SecondAcquirerWaitsUntilTheFirstReleases_ThenGetsALargerToken()
    {
        var first = await AcquireAsync("m");
        Assert.True(first.Held);
        Assert.Equal(LockModes.Exclusive, first.Mode);
        Assert.StartsWith("/cairn/locks/m/", first.Key, StringComparison.Ordinal);

        var second = AcquireInBackground("m");
        await UntilQueuedAsync("m", 2);
        var queue = await QueueAsync("m");
        Assert.Equal([true, false], queue.Select(g => g.Held));
        Assert.Equal(first.Key, queue[0].Key);
        Assert.False(second.IsCompleted);

        Assert.True(await Locks.ReleaseAsync("m", first.Key, first.Token));
        var granted = await second.WaitAsync(Deadline);

        Assert.True(granted.Held);
        Assert.True(granted.Token > first.Token);
        Assert.False(await Locks.ReleaseAsync("m", first.Key, first.Token)); // released already
        Assert.Equal([granted.Key], (await QueueAsync("m")).Select(g => g.Key));
    }

    [Fact]
    public async Task Mutex_HolderPausedPastItsLease_AnotherGetsTheLock_AndTheOldHoldersGuardedWriteIsRefused()
    {
        // The old holder "pauses" (a GC pause, a stopped VM): nobody keeps its short lease alive, the store expires it.
        var old = await AcquireAsync("m", lease: await LeaseAsync(ttlSeconds: 2));
        Assert.True(await GuardedPutAsync(LockStore.Guard(old), Resource, "old"));
        var next = AcquireInBackground("m");

        var granted = await next.WaitAsync(ExpiryDeadline);

        Assert.True(granted.Token > old.Token);
        Assert.False(await GuardedPutAsync(LockStore.Guard(old), Resource, "old, after its pause"));
        Assert.Equal("old", await ValueAsync(Resource));
        Assert.True(await GuardedPutAsync(LockStore.Guard(granted), Resource, "new"));
        Assert.Equal("new", await ValueAsync(Resource));
    }

    [Fact]
    public async Task Mutex_HolderWhoseLeaseIsRevoked_LosesTheLockToTheNext()
    {
        var oldLease = await LeaseAsync();
        var old = await AcquireAsync("m", lease: oldLease);
        var next = AcquireInBackground("m");
        await UntilQueuedAsync("m", 2);

        await Store.RevokeLeaseAsync(oldLease);
        var granted = await next.WaitAsync(Deadline);

        Assert.True(granted.Token > old.Token);
        Assert.False(await GuardedPutAsync(LockStore.Guard(old), Resource, "old"));
        Assert.True(await GuardedPutAsync(LockStore.Guard(granted), Resource, "new"));
    }

    [Fact]
    public async Task Mutex_ManyContenders_HoldOneAtATime_WithStrictlyIncreasingTokens()
    {
        var holders = 0;
        var overlaps = 0;
        var tokens = new List<long>();
        var contenders = Enumerable.Range(0, 5).Select(_ => Background(async stop =>
        {
            for (var i = 0; i < 4; i++)
            {
                var grant = await AcquireAsync("m", cancellationToken: stop);
                if (Interlocked.Increment(ref holders) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                lock (tokens)
                {
                    tokens.Add(grant.Token);
                }

                Assert.True(await GuardedPutAsync(LockStore.Guard(grant), Resource, grant.Token.ToString()));
                Interlocked.Decrement(ref holders);
                Assert.True(await ReleaseAsync(grant));
            }

            return true;
        })).ToList();

        await Task.WhenAll(contenders).WaitAsync(Deadline);

        Assert.Equal(0, overlaps);
        Assert.Equal(20, tokens.Count);
        Assert.True(tokens.Zip(tokens.Skip(1)).All(p => p.First < p.Second), "tokens increase from holder to holder: " + string.Join(", ", tokens));
        Assert.Empty(await QueueAsync("m"));
    }

    [Fact]
    public async Task ReadWrite_ReadersShare_AWriterWaitsForReadersBeforeIt_AndReadersAfterAWaitingWriterWaitForIt()
    {
        var readers = new List<LockGrantDto>();
        for (var i = 0; i < 3; i++)
        {
            readers.Add(await AcquireAsync("rw", LockModes.Read));
        }

        Assert.All(readers, r => Assert.True(r.Held));

        var writer = AcquireInBackground("rw", LockModes.Write);
        await UntilQueuedAsync("rw", 4);
        var lateReader = AcquireInBackground("rw", LockModes.Read);
        await UntilQueuedAsync("rw", 5);
        Assert.Equal([true, true, true, false, false], (await QueueAsync("rw")).Select(g => g.Held));

        // The writer waits for every reader before it, in whatever order they go.
        await ReleaseAsync(readers[1]);
        await ReleaseAsync(readers[2]);
        await UntilQueuedAsync("rw", 3);
        Assert.False(writer.IsCompleted);
        await ReleaseAsync(readers[0]);
        var written = await writer.WaitAsync(Deadline);
        Assert.Equal([true, false], (await QueueAsync("rw")).Select(g => g.Held));
        Assert.False(lateReader.IsCompleted);

        await ReleaseAsync(written);
        var read = await lateReader.WaitAsync(Deadline);
        Assert.True(read.Token > written.Token);
    }

    [Fact]
    public async Task Semaphore_ThreePermitsSixAcquirers_ThreeHold_AndEachReleaseLetsOneMoreIn()
    {
        var acquirers = new List<Task<LockGrantDto>>();
        for (var i = 0; i < 6; i++)
        {
            acquirers.Add(AcquireInBackground("s", LockModes.Semaphore, permits: 3));
            await UntilQueuedAsync("s", i + 1);
        }

        await Eventually.UntilAsync(() => acquirers.Count(a => a.IsCompleted) == 3, Deadline, "three hold");
        Assert.Equal([true, true, true, false, false, false], (await QueueAsync("s")).Select(g => g.Held));
        Assert.All(acquirers.Take(3), a => Assert.True(a.IsCompletedSuccessfully));

        // Out of order: the second holder goes first, then the first waiter, promoted, goes as well.
        await ReleaseAsync(await acquirers[1]);
        var fourth = await acquirers[3].WaitAsync(Deadline);
        Assert.True(fourth.Held);
        Assert.False(acquirers[4].IsCompleted);
        await ReleaseAsync(fourth);
        await acquirers[4].WaitAsync(Deadline);
        Assert.False(acquirers[5].IsCompleted);
        await ReleaseAsync(await acquirers[0]);
        await acquirers[5].WaitAsync(Deadline);
        Assert.Equal(3, (await QueueAsync("s")).Count(g => g.Held));
    }

    [Fact]
    public async Task Semaphore_AWaiterGivingUp_DoesNotStrandTheWaitersBehindIt()
    {
        var holders = new[] { await AcquireAsync("s", LockModes.Semaphore, permits: 2), await AcquireAsync("s", LockModes.Semaphore, permits: 2) };
        var third = AcquireInBackground("s", LockModes.Semaphore, permits: 2);
        await UntilQueuedAsync("s", 3);
        using var cancel = new CancellationTokenSource();
        var fourth = Locks.AcquireAsync("s", new LockRequestDto { Lease = await LeaseAsync(), Mode = LockModes.Semaphore, Permits = 2 }, cancel.Token);
        await UntilQueuedAsync("s", 4);
        var fifth = AcquireInBackground("s", LockModes.Semaphore, permits: 2);
        await UntilQueuedAsync("s", 5);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fourth.WaitAsync(Deadline));
        await ReleaseAsync(holders[0]);
        await third.WaitAsync(Deadline);
        Assert.False(fifth.IsCompleted);
        await ReleaseAsync(holders[1]);

        Assert.True((await fifth.WaitAsync(Deadline)).Held);
    }

    [Fact]
    public async Task Semaphore_NeverMoreThanItsPermitsHoldAtOnce_AndEveryAcquirerGetsIn()
    {
        var holding = 0;
        var most = 0;
        var acquired = 0;
        var acquirers = Enumerable.Range(0, 6).Select(_ => Background(async stop =>
        {
            for (var i = 0; i < 3; i++)
            {
                var grant = await AcquireAsync("s", LockModes.Semaphore, permits: 3, cancellationToken: stop);
                var now = Interlocked.Increment(ref holding);
                InterlockedMax(ref most, now);
                Interlocked.Increment(ref acquired);
                await Task.Delay(20, stop); // hold briefly, so that holders overlap
                Interlocked.Decrement(ref holding);
                await ReleaseAsync(grant);
            }

            return true;
        })).ToList();

        await Task.WhenAll(acquirers).WaitAsync(Deadline);

        Assert.Equal(18, acquired);
        Assert.InRange(most, 1, 3);
        Assert.Empty(await QueueAsync("s"));
    }

    [Fact]
    public async Task MixedKindsOnOneName_AreAConflict_AndLeaveNothingBehind()
    {
        var mutex = await AcquireAsync("k");

        await Assert.ThrowsAsync<ConflictException>(() => AcquireAsync("k", LockModes.Read));
        await Assert.ThrowsAsync<ConflictException>(() => AcquireAsync("k", LockModes.Semaphore, permits: 2));
        Assert.Equal([mutex.Key], (await QueueAsync("k")).Select(g => g.Key));

        await ReleaseAsync(mutex);
        var semaphore = await AcquireAsync("k", LockModes.Semaphore, permits: 2);
        var error = await Assert.ThrowsAsync<ConflictException>(() => AcquireAsync("k", LockModes.Semaphore, permits: 3));
        Assert.Contains("2 permits", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ConflictException>(() => AcquireAsync("k", LockModes.Write));
        Assert.Equal([semaphore.Key], (await QueueAsync("k")).Select(g => g.Key));
    }

    [Fact]
    public async Task WaitSecondsRunningOut_ReturnsNull_AndLeavesNoKey()
    {
        var holder = await AcquireAsync("m");

        var timedOut = await Locks.AcquireAsync("m", new LockRequestDto { Lease = await LeaseAsync(), WaitSeconds = 0.3 });
        var onlyTried = await Locks.AcquireAsync("m", new LockRequestDto { Lease = await LeaseAsync(), WaitSeconds = 0 });

        Assert.Null(timedOut);
        Assert.Null(onlyTried);
        Assert.Equal([holder.Key], (await QueueAsync("m")).Select(g => g.Key));
        Assert.Single(await KeysAsync(LockStore.Prefix));
    }

    [Fact]
    public async Task Cancellation_LeavesNoKey()
    {
        var holder = await AcquireAsync("m");
        using var cancel = new CancellationTokenSource();
        var waiter = Locks.AcquireAsync("m", new LockRequestDto { Lease = await LeaseAsync() }, cancel.Token);
        await UntilQueuedAsync("m", 2);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(Deadline));
        Assert.Equal([holder.Key], (await QueueAsync("m")).Select(g => g.Key));
    }

    [Fact]
    public async Task GoneLease_IsLeaseNotFound_AndLeavesNoKey()
    {
        var lease = await LeaseAsync();
        await Store.RevokeLeaseAsync(lease);

        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease }));
        Assert.Empty(await KeysAsync(LockStore.Prefix));
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingIsWritten()
    {
        var lease = await LeaseAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("a/b", new LockRequestDto { Lease = lease }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("", new LockRequestDto { Lease = lease }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = 0 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, Mode = "shared" }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, Mode = LockModes.Semaphore }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, Mode = LockModes.Semaphore, Permits = 0 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, Mode = LockModes.Semaphore, Permits = 10_001 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, Permits = 2 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, WaitSeconds = -1 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.AcquireAsync("m", new LockRequestDto { Lease = lease, WaitSeconds = double.NaN }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.ReleaseAsync("m", "/cairn/locks/other/0000000000000001-00000000", 5));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.ReleaseAsync("m", "/cairn/locks/m/x", 5));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Locks.ReleaseAsync("m", "/cairn/locks/m/0000000000000001-00000000", 0));

        Assert.Empty(await KeysAsync("/cairn/"));
        Assert.False(await Locks.ReleaseAsync("m", "/cairn/locks/m/0000000000000001-00000000", 5));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
