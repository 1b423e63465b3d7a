using System.Text;

namespace Cairn.Coordination.Tests;

/// <summary>Two candidates on one keyspace, as two nodes on one shared store; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class LeaderElectionBehaviour(Backend backend) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-coord-").FullName;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private IKeyspace? _store;

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

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

    private async Task<(LeaderElection Election, long Lease)> CandidateAsync(string id, long ttl = 30)
    {
        var lease = (await Store.GrantLeaseAsync(ttl)).Id;
        var election = new LeaderElection(Store, id, _ => Task.FromResult(lease));
        _cleanup.Add(election);
        election.Start();
        return (election, lease);
    }

    private async Task<string?> LeaderKeyAsync()
    {
        var kv = (await Store.RangeAsync(new RangeRequest(KeyRange.Single(ClusterKeys.Leader)))).Kvs.SingleOrDefault();
        return kv is null ? null : Encoding.UTF8.GetString(kv.Value.Span);
    }

    [Fact]
    public async Task TwoCandidates_ExactlyOneLeads_AndTheKeyNamesIt()
    {
        var (a, _) = await CandidateAsync("a");
        var (b, _) = await CandidateAsync("b");

        await Eventually.UntilAsync(() => a.IsLeader || b.IsLeader, Deadline, "one candidate leads");
        var holder = await LeaderKeyAsync();

        Assert.True(a.IsLeader ^ b.IsLeader);
        Assert.Equal(a.IsLeader ? "a" : "b", holder);
    }

    [Fact]
    public async Task WhenTheLeaderResigns_TheOtherTakesOver()
    {
        var (a, _) = await CandidateAsync("a");
        await Eventually.UntilAsync(() => a.IsLeader, Deadline, "a leads");
        var (b, _) = await CandidateAsync("b");
        var changes = new List<bool>();
        b.LeadershipChanged += (_, isLeader) =>
        {
            lock (changes)
            {
                changes.Add(isLeader);
            }
        };

        await a.ResignAsync();

        await Eventually.UntilAsync(() => b.IsLeader, Deadline, "b takes over");
        Assert.False(a.IsLeader);
        Assert.Equal("b", await LeaderKeyAsync());
        lock (changes)
        {
            Assert.Equal([true], changes);
        }
    }

    [Fact]
    public async Task WhenTheLeadersLeaseIsRevoked_ItStepsDown_AndTheOtherTakesOver()
    {
        var (a, leaseA) = await CandidateAsync("a");
        await Eventually.UntilAsync(() => a.IsLeader, Deadline, "a leads");
        var (b, _) = await CandidateAsync("b");

        await Store.RevokeLeaseAsync(leaseA);

        await Eventually.UntilAsync(() => b.IsLeader, Deadline, "b takes over");
        await Eventually.UntilAsync(() => !a.IsLeader, Deadline, "a steps down");
    }

    [Fact]
    public async Task WhenTheLeadersLeaseExpires_TheOtherTakesOverWithinTheTtl()
    {
        // a's lease is never renewed: as if a died. The store's lease sweep deletes the key. The TTL leaves a time to
        // take the lead before the lease runs out even if this process stalls; the deadline is the TTL plus slack for a
        // loaded machine (a leader key without a lease would never go).
        const long Ttl = 3;
        var (a, _) = await CandidateAsync("a", ttl: Ttl);
        await Eventually.UntilAsync(() => a.IsLeader, Deadline, "a leads");
        var (b, _) = await CandidateAsync("b");

        await Eventually.UntilAsync(() => b.IsLeader, TimeSpan.FromSeconds(Ttl) + Deadline, "b takes over after a's TTL");
    }

    [Fact]
    public async Task LeaderServices_RunOnlyOnTheLeader_AndMoveWithLeadership()
    {
        var (a, _) = await CandidateAsync("a");
        await Eventually.UntilAsync(() => a.IsLeader, Deadline, "a leads");
        var (b, _) = await CandidateAsync("b");
        var compactA = new HistoryCompactor(Store, retainRevisions: 10, TimeSpan.FromMilliseconds(50));
        var compactB = new HistoryCompactor(Store, retainRevisions: 10, TimeSpan.FromMilliseconds(50));
        var servicesA = new LeaderServices(a, [compactA]);
        var servicesB = new LeaderServices(b, [compactB]);
        _cleanup.Add(servicesA);
        _cleanup.Add(servicesB);

        for (var i = 0; i < 40; i++)
        {
            await Store.PutAsync(new PutRequest("k/" + i, "v"u8.ToArray()));
        }

        // The store shows the compaction as soon as it commits, a moment before the compactor counts it.
        var status = await Store.StatusAsync();
        await Eventually.UntilAsync(async () => (await Store.StatusAsync()).CompactRevision == status.Revision - 10, Deadline, "the leader compacts to 10 revisions behind");
        await Eventually.UntilAsync(() => compactA.Compactions > 0, Deadline, "a counts its compaction");
        Assert.Equal(0, compactB.Compactions);
        Assert.True(servicesA.Running);
        Assert.False(servicesB.Running);

        // The retained window is still readable; below it is compacted.
        await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { Revision = status.Revision - 10 });
        await Assert.ThrowsAsync<CompactedException>(async () => await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("k/")) { Revision = status.Revision - 11 }));

        await a.ResignAsync();
        await Eventually.UntilAsync(() => servicesB.Running && !servicesA.Running, Deadline, "the services move to b");
        for (var i = 0; i < 20; i++)
        {
            await Store.PutAsync(new PutRequest("k/" + i, "w"u8.ToArray()));
        }

        await Eventually.UntilAsync(() => compactB.Compactions > 0, Deadline, "b compacts");
    }
}
