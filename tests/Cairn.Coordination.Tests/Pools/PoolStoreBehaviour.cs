using System.Globalization;
using Cairn.Contracts;
using Cairn.Coordination.Pools;

namespace Cairn.Coordination.Tests.Pools;

/// <summary>The buddy circle: members, buddies, take-over of a dead member's items, membership events; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class PoolStoreBehaviour(Backend backend) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExpiryDeadline = TimeSpan.FromSeconds(30);
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-pools-").FullName;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private IKeyspace? _store;

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private PoolStore Pools => new(Store);

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_scratch);

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_cleanup))
        {
            await item.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_scratch, recursive: true);
    }

    private async Task<long> LeaseAsync(long ttl = 60) => (await Store.GrantLeaseAsync(ttl)).Id;

    private async Task<(PoolMemberDto Member, long Lease)> JoinAsync(string pool, long? lease = null, PoolStore? pools = null)
    {
        var id = lease ?? await LeaseAsync();
        return (await (pools ?? Pools).JoinAsync(pool, id), id);
    }

    private Follower Follow(string pool, string member, PoolStore? pools = null)
    {
        var follower = new Follower(pools ?? Pools, pool, member);
        _cleanup.Add(follower);
        return follower;
    }

    private static Task UntilAsync(Follower follower, int count, string what) =>
        Eventually.UntilAsync(() => follower.Events.Count >= count || follower.Completion.IsFaulted, Deadline, what);

    private static Dictionary<string, string?> Buddies(PoolDto pool) => pool.Members.ToDictionary(m => m.Id, m => m.Buddy);

    [Fact]
    public async Task Buddies_ArePredecessors_AndTheFirstsIsTheLast()
    {
        var (a, _) = await JoinAsync("circle");
        var alone = await Pools.GetAsync("circle");
        Assert.Null(Assert.Single(alone.Members).Buddy);

        var (b, _) = await JoinAsync("circle");
        var (c, _) = await JoinAsync("circle");
        var pool = await Pools.GetAsync("circle");

        Assert.Equal([a.Id, b.Id, c.Id], pool.Members.Select(m => m.Id));
        Assert.Equal(new Dictionary<string, string?> { [a.Id] = c.Id, [b.Id] = a.Id, [c.Id] = b.Id }, Buddies(pool));
        Assert.True(a.JoinRevision < b.JoinRevision && b.JoinRevision < c.JoinRevision);
        Assert.Equal(pool.Members.Select(m => m.JoinRevision), [a.JoinRevision, b.JoinRevision, c.JoinRevision]);
        Assert.Contains("circle", await Pools.ListPoolsAsync());

        // Each member's own stream starts with the same buddy.
        foreach (var (member, buddy) in new[] { (a, c), (b, a), (c, b) })
        {
            var follower = Follow("circle", member.Id);
            await UntilAsync(follower, 1, $"{member.Id} is told its buddy");
            Assert.Equal(["buddy:" + buddy.Id], follower.Summary);
        }
    }

    [Fact]
    public async Task WhenTheMiddleMemberDies_TheThirdWatchesTheFirst()
    {
        var (a, _) = await JoinAsync("seed");
        var (b, leaseB) = await JoinAsync("seed");
        var (c, _) = await JoinAsync("seed");
        var followA = Follow("seed", a.Id);
        var followC = Follow("seed", c.Id);
        await UntilAsync(followC, 1, "c is told its buddy");
        await UntilAsync(followA, 1, "a is told its buddy");

        await Store.RevokeLeaseAsync(leaseB);

        await UntilAsync(followC, 2, "c is told its new buddy");
        Assert.Equal(["buddy:" + b.Id, "buddy:" + a.Id], followC.Summary);
        var pool = await Pools.GetAsync("seed");
        Assert.Equal([a.Id, c.Id], pool.Members.Select(m => m.Id));
        Assert.Equal(new Dictionary<string, string?> { [a.Id] = c.Id, [c.Id] = a.Id }, Buddies(pool));
        Assert.Equal(["buddy:" + c.Id], followA.Summary); // a still watches c: b's death is none of its business
    }

    [Fact]
    public async Task DeadMembersItem_IsTakenOverByItsWatcher_ExactlyOnce()
    {
        var (a, _) = await JoinAsync("work");
        var (b, leaseB) = await JoinAsync("work");
        var (c, _) = await JoinAsync("work");
        var followA = Follow("work", a.Id);
        var followC = Follow("work", c.Id);
        await UntilAsync(followA, 1, "a follows");
        await UntilAsync(followC, 1, "c follows");
        var put = await Pools.PutItemAsync("work", b.Id, "run-1", "deploy run-1");
        Assert.Equal(1, (await Pools.GetAsync("work")).Members.Single(m => m.Id == b.Id).InFlight);

        await Store.RevokeLeaseAsync(leaseB);

        await UntilAsync(followC, 3, "c takes over b's item and watches a");
        Assert.Equal(["buddy:" + b.Id, "takeover:" + b.Id, "buddy:" + a.Id], followC.Summary);
        var takeover = followC.Events[1];
        Assert.Equal(c.Id, takeover.Member);
        var item = Assert.Single(takeover.Items!);
        Assert.Equal(("run-1", "deploy run-1", c.Id, b.Id), (item.Item, item.Value, item.Member, item.From));
        Assert.True(item.ModRevision > put.ModRevision);

        // Everyone who might try again finds nothing left to take.
        var retries = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Pools.TakeOverAsync("work", i % 2 == 0 ? a.Id : c.Id, b.Id)));
        Assert.All(retries, Assert.Empty);
        var held = Assert.Single(await Pools.ItemsAsync("work", c.Id));
        Assert.Equal(("run-1", b.Id, item.ModRevision), (held.Item, held.From, held.ModRevision));
        Assert.Empty(await Pools.ItemsAsync("work", b.Id));
        Assert.Empty(await Pools.ItemsAsync("work", a.Id));
        var pool = await Pools.GetAsync("work");
        Assert.Empty(pool.Orphaned);
        Assert.Equal(1, pool.Members.Single(m => m.Id == c.Id).InFlight);
        Assert.Equal(["buddy:" + c.Id], followA.Summary);

        // c finishes it.
        Assert.True(await Pools.FinishItemAsync("work", c.Id, "run-1"));
        Assert.False(await Pools.FinishItemAsync("work", c.Id, "run-1"));
        Assert.Empty(await Pools.ItemsAsync("work", c.Id));
    }

    [Fact]
    public async Task WhenAWatcherDiesBeforeTakingOver_TheNextMemberTakesBothMembersItems()
    {
        var (a, _) = await JoinAsync("chain");
        var (b, leaseB) = await JoinAsync("chain");
        var (c, leaseC) = await JoinAsync("chain");
        var (d, _) = await JoinAsync("chain");
        var followA = Follow("chain", a.Id);
        var followD = Follow("chain", d.Id);
        await UntilAsync(followA, 1, "a follows");
        await UntilAsync(followD, 1, "d follows");
        await Pools.PutItemAsync("chain", b.Id, "run-b", "b's");
        await Pools.PutItemAsync("chain", c.Id, "run-c", "c's");

        // b dies while c, its watcher, is not following: b's item waits, orphaned.
        await Store.RevokeLeaseAsync(leaseB);
        Assert.Equal(["run-b"], (await Pools.GetAsync("chain")).Orphaned[b.Id]);

        // Then c dies: d is now the first live member after both.
        await Store.RevokeLeaseAsync(leaseC);

        await UntilAsync(followD, 4, "d takes over b's and c's items");
        Assert.Equal(["buddy:" + c.Id, "takeover:" + b.Id, "takeover:" + c.Id, "buddy:" + a.Id], followD.Summary);
        Assert.Equal(["run-b", "run-c"], (await Pools.ItemsAsync("chain", d.Id)).Select(i => i.Item));
        var pool = await Pools.GetAsync("chain");
        Assert.Empty(pool.Orphaned);
        Assert.Equal(new Dictionary<string, string?> { [a.Id] = d.Id, [d.Id] = a.Id }, Buddies(pool));
        Assert.Equal(["buddy:" + d.Id], followA.Summary);
    }

    [Fact]
    public async Task ConcurrentTakeOvers_MoveEachItemExactlyOnce()
    {
        const int Items = 20;
        var (a, _) = await JoinAsync("race");
        var (b, leaseB) = await JoinAsync("race");
        var (c, _) = await JoinAsync("race");
        var followC = Follow("race", c.Id);
        await UntilAsync(followC, 1, "c follows");
        for (var i = 0; i < Items; i++)
        {
            await Pools.PutItemAsync("race", b.Id, $"item-{i:D2}", $"value {i}");
        }

        // Still alive: nobody can take its items.
        Assert.Empty(await Pools.TakeOverAsync("race", a.Id, b.Id));

        // b dies while its watcher c and eight callers (as a and as c) all race to take its items.
        using var go = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            go.Wait();
            var moved = new List<PoolItemDto>();
            await Eventually.UntilAsync(async () => !(await Pools.GetAsync("race")).Members.Any(m => m.Id == b.Id), Deadline, "b is gone");
            moved.AddRange(await Pools.TakeOverAsync("race", i % 2 == 0 ? a.Id : c.Id, b.Id));
            return moved;
        })).ToList();
        go.Set();
        await Store.RevokeLeaseAsync(leaseB);
        var byCallers = (await Task.WhenAll(callers)).SelectMany(m => m).ToList();

        await Eventually.UntilAsync(async () => (await Pools.GetAsync("race")).Orphaned.Count == 0, Deadline, "b's items are all moved");
        await Eventually.UntilAsync(() => followC.Summary.Contains("buddy:" + a.Id), Deadline, "c watches a");
        var byFollower = followC.Events.Where(e => e.Type == PoolEventTypes.Takeover).SelectMany(e => e.Items!).ToList();
        var all = byCallers.Concat(byFollower).ToList();
        Assert.Equal(Items, all.Count);
        Assert.Equal(Items, all.Select(i => i.Item).Distinct().Count());
        Assert.All(all, i => Assert.Equal(b.Id, i.From));
        var heldByA = await Pools.ItemsAsync("race", a.Id);
        var heldByC = await Pools.ItemsAsync("race", c.Id);
        Assert.Equal(Enumerable.Range(0, Items).Select(i => $"item-{i:D2}"), heldByA.Concat(heldByC).Select(i => i.Item).Order(StringComparer.Ordinal));
        Assert.All(all, i => Assert.Equal($"value {int.Parse(i.Item[5..], CultureInfo.InvariantCulture)}", i.Value));
    }

    [Fact]
    public async Task MemberWhoseSessionEnds_IsToldLost_AndRejoinsUnderANewId()
    {
        var (other, _) = await JoinAsync("lost");
        var (me, lease) = await JoinAsync("lost");
        var follower = Follow("lost", me.Id);
        await UntilAsync(follower, 1, "the member follows");

        await Store.RevokeLeaseAsync(lease);

        await follower.Completion.WaitAsync(Deadline);
        Assert.Equal(["buddy:" + other.Id, PoolEventTypes.Lost], follower.Summary);
        Assert.Equal(me.Id, follower.Events[^1].Member);
        await Assert.ThrowsAsync<NotFoundException>(() => Pools.PutItemAsync("lost", me.Id, "run-1", "x"));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Pools.FollowAsync("lost", me.Id).GetAsyncEnumerator().MoveNextAsync());

        var (again, _) = await JoinAsync("lost");
        Assert.NotEqual(me.Id, again.Id);
        Assert.Equal([other.Id, again.Id], (await Pools.GetAsync("lost")).Members.Select(m => m.Id));
    }

    [Fact]
    public async Task MemberWhoseLeaseExpires_IsToldLost_AndItsWatcherTakesItsItems()
    {
        // Nobody keeps x's lease alive: the store's own expiry ends it, as when a process dies.
        // It is kept alive only until both members follow, so that the test does not depend on how fast they start.
        var leaseX = await LeaseAsync(ttl: 3);
        var (x, _) = await JoinAsync("expiry", leaseX);
        var (y, _) = await JoinAsync("expiry");
        await Pools.PutItemAsync("expiry", x.Id, "run-9", "nine");
        var followX = Follow("expiry", x.Id);
        var followY = Follow("expiry", y.Id);
        await UntilAsync(followX, 1, "x follows");
        await UntilAsync(followY, 1, "y follows");
        await Store.KeepAliveLeaseAsync(leaseX);

        await followX.Completion.WaitAsync(ExpiryDeadline);
        await Eventually.UntilAsync(() => followY.Events.Count >= 3, ExpiryDeadline, "y takes over x's item");

        Assert.Equal(["buddy:" + y.Id, PoolEventTypes.Lost], followX.Summary);
        Assert.Equal(["buddy:" + x.Id, "takeover:" + x.Id, "buddy:none"], followY.Summary);
        Assert.Equal("run-9", Assert.Single(await Pools.ItemsAsync("expiry", y.Id)).Item);
    }

    [Fact]
    public async Task WatchAsync_ReportsJoinsAndLeaves_InRevisionOrder_AndResumesFromARevision()
    {
        var from = (await Store.StatusAsync()).Revision + 1;
        var (a, _) = await JoinAsync("events");
        var (b, leaseB) = await JoinAsync("events");
        Assert.True(await Pools.LeaveAsync("events", a.Id));
        Assert.False(await Pools.LeaveAsync("events", a.Id));
        await Store.RevokeLeaseAsync(leaseB);
        var (c, _) = await JoinAsync("events");
        await JoinAsync("elsewhere"); // another pool: not in this stream

        var events = await ReadAsync(Pools.WatchAsync("events", from), 5);

        Assert.Equal(
            [("joined", a.Id), ("joined", b.Id), ("left", a.Id), ("left", b.Id), ("joined", c.Id)],
            events.Select(e => (e.Type, e.Member!)));
        Assert.All(events, e => Assert.Equal("events", e.Pool));
        Assert.Equal(events.Select(e => e.Revision).Order(), events.Select(e => e.Revision));
        Assert.Equal(events.Count, events.Select(e => e.Revision).Distinct().Count());
        Assert.Equal(a.JoinRevision, events[0].Revision);
        Assert.Equal(c.JoinRevision, events[4].Revision);

        // A reader that stopped after the second event resumes after its revision and misses nothing.
        var resumed = await ReadAsync(Pools.WatchAsync("events", events[1].Revision + 1), 3);
        Assert.Equal(events.Skip(2).Select(e => (e.Type, e.Member, e.Revision)), resumed.Select(e => (e.Type, e.Member, e.Revision)));

        // From past the end: only what happens next.
        var later = Pools.WatchAsync("events", events[^1].Revision + 1);
        var (d, _) = await JoinAsync("events");
        var next = Assert.Single(await ReadAsync(later, 1));
        Assert.Equal(("joined", d.Id, d.JoinRevision), (next.Type, next.Member, next.Revision));
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingIsWritten()
    {
        var (member, lease) = await JoinAsync("good");
        var before = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(PoolStore.Prefix)));

        foreach (var pool in new[] { "", " x", "a/b", "..", new string('p', 129), "bad\nname" })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.JoinAsync(pool, lease));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.GetAsync(pool));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.PutItemAsync(pool, member.Id, "run-1", "x"));
            Assert.Throws<InvalidArgumentException>(() => Pools.WatchAsync(pool));
            Assert.Throws<InvalidArgumentException>(() => Pools.FollowAsync(pool, member.Id));
        }

        foreach (var item in new[] { "", "a/b", ".", "x ", new string('i', 129) })
        {
            var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.PutItemAsync("good", member.Id, item, "x"));
            Assert.Contains("item id", error.Message, StringComparison.Ordinal);
        }

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.PutItemAsync("good", "../good", "run-1", "x"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.JoinAsync("good", 0));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.JoinAsync("good", lease, "bad\u0001name"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Pools.TakeOverAsync("good", member.Id, member.Id));
        Assert.Throws<InvalidArgumentException>(() => Pools.WatchAsync("good", -1));
        await Assert.ThrowsAsync<LimitExceededException>(() => Pools.PutItemAsync("good", member.Id, "big", new string('v', PoolStore.MaxItemValueBytes + 1)));

        // A member that is not (or no longer) in the pool cannot hold items.
        await Assert.ThrowsAsync<NotFoundException>(() => Pools.PutItemAsync("good", "m-0000000000000000", "run-1", "x"));
        var (gone, goneLease) = await JoinAsync("good");
        await Store.RevokeLeaseAsync(goneLease);
        await Assert.ThrowsAsync<NotFoundException>(() => Pools.PutItemAsync("good", gone.Id, "run-1", "x"));
        await Assert.ThrowsAsync<NotFoundException>(() => Pools.TakeOverAsync("good", gone.Id, member.Id));

        // A lease that is gone cannot join.
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => Pools.JoinAsync("good", goneLease));

        var after = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(PoolStore.Prefix)));
        Assert.Equal(before.Kvs.Select(kv => (kv.Key, kv.ModRevision)), after.Kvs.Select(kv => (kv.Key, kv.ModRevision)));
        Assert.Equal(["good"], await Pools.ListPoolsAsync());
    }

    [Fact]
    public async Task Waiting_IsAWatchOnTheBuddyOnly_SoADeathWakesOnlyItsWatcher()
    {
        var recording = new WatchRecordingKeyspace(Store);
        var pools = new PoolStore(recording);
        var (a, _) = await JoinAsync("herd", pools: pools);
        var shared = await LeaseAsync();
        var (b, _) = await JoinAsync("herd", shared, pools);
        var (c, _) = await JoinAsync("herd", shared, pools);
        var (d, _) = await JoinAsync("herd", shared, pools);
        var (e, leaseE) = await JoinAsync("herd", pools: pools);
        var followers = new[] { a, b, c, d, e }.Select(m => Follow("herd", m.Id, pools)).ToArray();
        var members = PoolStore.Prefix + "herd/members/";

        // a, first, watches the members (for joins: its buddy is the last); every other member its own key and its buddy's.
        var expected = new List<string> { members + "*", members + a.Id, members + b.Id, members + b.Id, members + c.Id, members + c.Id, members + d.Id, members + d.Id, members + e.Id }
            .Order(StringComparer.Ordinal).ToList();
        await Eventually.UntilAsync(() => recording.Open().SequenceEqual(expected), Deadline, "every member waits on its buddy");
        var opened = recording.Opened;

        // e, the last, dies: only a (its watcher) wakes, and watches again; b, c, d go on waiting on the same watches.
        await Store.RevokeLeaseAsync(leaseE);
        await UntilAsync(followers[0], 2, "a is told its new buddy");
        await followers[4].Completion.WaitAsync(Deadline);
        expected.Remove(members + e.Id);
        expected.Remove(members + d.Id);
        await Eventually.UntilAsync(() => recording.Open().SequenceEqual(expected), Deadline, "a waits again, on d");
        Assert.Equal(opened + 1, recording.Opened);
        Assert.Equal(["buddy:" + d.Id, PoolEventTypes.Lost], followers[4].Summary);

        // b, c and d end together: each is told only that it is lost.
        await Store.RevokeLeaseAsync(shared);
        await Task.WhenAll(followers[1..4].Select(f => f.Completion)).WaitAsync(Deadline);
        await UntilAsync(followers[0], 3, "a is alone");
        Assert.Equal(["buddy:" + e.Id, "buddy:" + d.Id, "buddy:none"], followers[0].Summary);
        Assert.Equal(["buddy:" + a.Id, PoolEventTypes.Lost], followers[1].Summary);
        Assert.Equal(["buddy:" + b.Id, PoolEventTypes.Lost], followers[2].Summary);
        Assert.Equal(["buddy:" + c.Id, PoolEventTypes.Lost], followers[3].Summary);
    }

    private static async Task<List<PoolEventDto>> ReadAsync(IAsyncEnumerable<PoolEventDto> stream, int count)
    {
        using var cancel = new CancellationTokenSource(Deadline);
        var events = new List<PoolEventDto>();
        await foreach (var e in stream.WithCancellation(cancel.Token))
        {
            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }
}
