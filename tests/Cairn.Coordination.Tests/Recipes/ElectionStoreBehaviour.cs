using System.Diagnostics;
using Cairn.Contracts;
using Cairn.Coordination.Recipes;

namespace Cairn.Coordination.Tests.Recipes;

/// <summary>Campaign, proclaim, resign and observe; one leader at a time, with increasing tokens; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class ElectionStoreBehaviour(Backend backend) : RecipeBehaviour(backend)
{
    private const string Record = "/test/leader-record";

    private ElectionStore Elections => new(Store);

    private static LeadershipDto Leadership(LeaderDto leader, string? value = null) => new() { Key = leader.Key, Token = leader.Token, Value = value };

    private static Compare Guard(LeaderDto leader) => Compare.CreateRevision(leader.Key, CompareResult.Equal, leader.Token);

    private async Task<LeaderDto> CampaignAsync(string value, long? lease = null, CancellationToken cancellationToken = default)
    {
        var leader = await Elections.CampaignAsync("e", new CampaignDto { Lease = lease ?? await LeaseAsync(), Value = value }, cancellationToken);
        Assert.NotNull(leader);
        return leader;
    }

    private Task<LeaderDto> CampaignInBackground(string value, long? lease = null) =>
        Background(stop => CampaignAsync(value, lease, stop));

    private Task UntilCandidatesAsync(int count) =>
        Eventually.UntilAsync(async () => (await KeysAsync(ElectionStore.Prefix + "e/")).Count == count, Deadline, $"{count} candidates");

    [Fact]
    public async Task FirstCandidateLeads_TheNextWaitsUntilItResigns()
    {
        var a = await CampaignAsync("a");
        Assert.Equal("a", a.Value);
        Assert.Equal(a.Key, (await Elections.LeaderAsync("e"))?.Key);

        var b = CampaignInBackground("b");
        await UntilCandidatesAsync(2);
        Assert.False(b.IsCompleted);
        Assert.Equal("a", (await Elections.LeaderAsync("e"))?.Value);

        Assert.True(await Elections.ResignAsync("e", Leadership(a)));
        var leader = await b.WaitAsync(Deadline);

        Assert.Equal("b", leader.Value);
        Assert.True(leader.Token > a.Token);
        Assert.False(await Elections.ResignAsync("e", Leadership(a)));
        Assert.Equal(leader.Key, (await Elections.LeaderAsync("e"))?.Key);
    }

    [Fact]
    public async Task LeaderKilled_ExactlyOneNewLeaderWithinTheTtl()
    {
        const long Ttl = 3;
        var leaseA = await LeaseAsync(ttlSeconds: Ttl);
        var a = await CampaignAsync("a", leaseA);
        var others = new[] { CampaignInBackground("b"), CampaignInBackground("c") };
        await UntilCandidatesAsync(3);

        var killed = Stopwatch.StartNew();
        await Store.RevokeLeaseAsync(leaseA);
        await Eventually.UntilAsync(() => others.Any(t => t.IsCompleted), TimeSpan.FromSeconds(Ttl) + Deadline, "a new leader");
        var failover = killed.Elapsed;

        var leaders = others.Where(t => t.IsCompleted).ToList();
        var leader = await Assert.Single(leaders);
        Assert.True(leader.Token > a.Token);
        Assert.False(await GuardedPutAsync(Guard(a), Record, "a"));
        Assert.True(await GuardedPutAsync(Guard(leader), Record, leader.Value));
        Assert.Equal(2, (await KeysAsync(ElectionStore.Prefix + "e/")).Count);
        Assert.False(others.Single(t => !t.IsCompleted).IsCompleted);
        Assert.True(failover < TimeSpan.FromSeconds(Ttl), $"failover took {failover.TotalMilliseconds:0} ms, more than the TTL");
    }

    [Fact]
    public async Task LeaderWhoseLeaseExpires_IsFollowedByExactlyOneNewLeader()
    {
        // Nobody keeps a's lease alive: as if a died. The store expires it by its own clock.
        var a = await CampaignAsync("a", await LeaseAsync(ttlSeconds: 2));
        var others = new[] { CampaignInBackground("b"), CampaignInBackground("c") };

        await Eventually.UntilAsync(() => others.Any(t => t.IsCompleted), ExpiryDeadline, "a new leader after a's lease expires");

        var leader = await others.Single(t => t.IsCompleted);
        Assert.True(leader.Token > a.Token);
        Assert.False(await GuardedPutAsync(Guard(a), Record, "a"));
        await Assert.ThrowsAsync<ConflictException>(() => Elections.ProclaimAsync("e", Leadership(a, "still a?")));
        Assert.Equal(leader.Key, (await Elections.LeaderAsync("e"))?.Key);
    }

    [Fact]
    public async Task TwoHundredElections_NeverTwoLeadersAtOnce_AndEveryLeadersTokenIsLarger()
    {
        const int Candidates = 5;
        const int Rounds = 200;
        var leading = 0;
        var transitions = 0;
        var lastToken = 0L;
        var violations = new List<string>();
        var clock = Stopwatch.StartNew();

        void Violation(string what)
        {
            lock (violations)
            {
                violations.Add(what);
            }
        }

        var candidates = Enumerable.Range(0, Candidates).Select(id => Background(async stop =>
        {
            for (var round = 0; Volatile.Read(ref transitions) < Rounds; round++)
            {
                var lease = await LeaseAsync();
                var leader = await CampaignAsync($"c{id}", lease, stop);
                if (Interlocked.Increment(ref leading) != 1)
                {
                    Violation($"c{id} leads beside another (token {leader.Token})");
                }

                if (!await GuardedPutAsync(Guard(leader), Record, $"c{id} leads with {leader.Token}"))
                {
                    Violation($"c{id}'s guarded write was refused while it led (token {leader.Token})");
                }

                lock (violations)
                {
                    if (leader.Token <= lastToken)
                    {
                        violations.Add($"token {leader.Token} after {lastToken}");
                    }

                    lastToken = leader.Token;
                }

                Interlocked.Increment(ref transitions);
                Interlocked.Decrement(ref leading);

                // Alternately resign, and be killed (the store revokes an expired lease the same way).
                if (round % 2 == 0)
                {
                    Assert.True(await Elections.ResignAsync("e", Leadership(leader), CancellationToken.None));
                    await Store.RevokeLeaseAsync(lease, CancellationToken.None);
                }
                else
                {
                    await Store.RevokeLeaseAsync(lease, CancellationToken.None);
                }

                if (await GuardedPutAsync(Guard(leader), Record, $"c{id}, no longer leading"))
                {
                    Violation($"c{id}'s guarded write succeeded after it stopped leading (token {leader.Token})");
                }
            }

            return true;
        })).ToList();

        await Task.WhenAll(candidates).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(violations);
        Assert.InRange(transitions, Rounds, Rounds + Candidates);
        Assert.Empty(await KeysAsync(ElectionStore.Prefix));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{transitions} elections took {clock.Elapsed.TotalSeconds:0.0} s on {Backend.Name}");
    }

    [Fact]
    public async Task Proclaim_OnlyWhileLeading()
    {
        var a = await CampaignAsync("a");
        var b = CampaignInBackground("b");
        await UntilCandidatesAsync(2);

        var proclaimed = await Elections.ProclaimAsync("e", Leadership(a, "a2"));
        Assert.Equal("a2", proclaimed.Value);
        Assert.Equal(a.Token, proclaimed.Token);
        Assert.Equal("a2", (await Elections.LeaderAsync("e"))?.Value);
        var waiting = (await KeysAsync(ElectionStore.Prefix + "e/"))[1];
        await Assert.ThrowsAsync<ConflictException>(() => Elections.ProclaimAsync("e", new LeadershipDto { Key = waiting.Key, Token = waiting.CreateRevision, Value = "b early" }));

        await Elections.ResignAsync("e", Leadership(a));
        var leader = await b.WaitAsync(Deadline);

        await Assert.ThrowsAsync<ConflictException>(() => Elections.ProclaimAsync("e", Leadership(a, "a3")));
        Assert.Equal("b", (await Elections.LeaderAsync("e"))?.Value);
        Assert.Equal("b2", (await Elections.ProclaimAsync("e", Leadership(leader, "b2"))).Value);
    }

    [Fact]
    public async Task Proclaim_KeepsTheLeadersLease()
    {
        var lease = await LeaseAsync();
        var a = await CampaignAsync("a", lease);
        await Elections.ProclaimAsync("e", Leadership(a, "a2"));

        await Store.RevokeLeaseAsync(lease);

        Assert.Null(await Elections.LeaderAsync("e"));
    }

    [Fact]
    public async Task Observe_YieldsTheLeader_ThenEachChange_InRevisionOrder()
    {
        var a = await CampaignAsync("a");
        var seen = new List<LeaderDto>();
        var observer = Background(async stop =>
        {
            await foreach (var leader in Elections.ObserveAsync("e", stop))
            {
                lock (seen)
                {
                    seen.Add(leader);
                }
            }

            return true;
        });
        int Seen()
        {
            lock (seen)
            {
                return seen.Count;
            }
        }

        await Eventually.UntilAsync(() => Seen() == 1, Deadline, "the observer sees a");
        await Elections.ProclaimAsync("e", Leadership(a, "a2"));
        await Eventually.UntilAsync(() => Seen() == 2, Deadline, "the observer sees a2");
        var b = CampaignInBackground("b");
        await UntilCandidatesAsync(2);
        await Elections.ResignAsync("e", Leadership(a));
        var leaderB = await b.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => Seen() == 3, Deadline, "the observer sees b");
        await Elections.ProclaimAsync("e", Leadership(leaderB, "b2"));
        await Eventually.UntilAsync(() => Seen() == 4, Deadline, "the observer sees b2");

        lock (seen)
        {
            Assert.Equal(["a", "a2", "b", "b2"], seen.Select(l => l.Value));
            Assert.Equal([a.Token, a.Token, leaderB.Token, leaderB.Token], seen.Select(l => l.Token));
            Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Revision < p.Second.Revision), "revisions increase");
        }

        Assert.False(observer.IsCompleted);
    }

    [Fact]
    public async Task CampaignRunningOut_ReturnsNull_AndCancellation_WithdrawsTheCandidacy()
    {
        var a = await CampaignAsync("a");

        Assert.Null(await Elections.CampaignAsync("e", new CampaignDto { Lease = await LeaseAsync(), Value = "b", WaitSeconds = 0.3 }));
        Assert.Null(await Elections.CampaignAsync("e", new CampaignDto { Lease = await LeaseAsync(), Value = "c", WaitSeconds = 0 }));
        using var cancel = new CancellationTokenSource();
        var d = Elections.CampaignAsync("e", new CampaignDto { Lease = await LeaseAsync(), Value = "d" }, cancel.Token);
        await UntilCandidatesAsync(2);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => d.WaitAsync(Deadline));

        Assert.Equal([a.Key], (await KeysAsync(ElectionStore.Prefix)).Select(kv => kv.Key));
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingIsWritten()
    {
        var lease = await LeaseAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Elections.CampaignAsync("a/b", new CampaignDto { Lease = lease }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Elections.CampaignAsync("e", new CampaignDto { Lease = 0 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Elections.CampaignAsync("e", new CampaignDto { Lease = lease, WaitSeconds = -2 }));
        await Assert.ThrowsAsync<LimitExceededException>(() => Elections.CampaignAsync("e", new CampaignDto { Lease = lease, Value = new string('x', 64 * 1024 + 1) }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Elections.ProclaimAsync("e", new LeadershipDto { Key = "/cairn/elections/other/0000000000000001-00000000", Token = 3 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Elections.ResignAsync("e", new LeadershipDto { Key = "/cairn/elections/e/0000000000000001-00000000", Token = -1 }));

        Assert.Empty(await KeysAsync("/cairn/"));
        Assert.Null(await Elections.LeaderAsync("e"));
    }
}
