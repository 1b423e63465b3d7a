using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests.Coordination;

/// <summary>Leadership handles and observation through the client against a real server over TCP.</summary>
public sealed class ElectionClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    [Fact]
    public async Task ALeaderWhoseSessionEnds_IsLost_TheNextCandidateLeads_AndObserversSeeEachLeader()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("elect");
        var observed = new List<LeaderDto>();
        using var stop = new CancellationTokenSource(Deadline);

        var first = await client.CampaignAsync(name, "a", new CampaignOptions { SessionTtlSeconds = 30 });
        var observing = Task.Run(async () =>
        {
            await foreach (var leader in client.ObserveLeaderAsync(name, stop.Token))
            {
                lock (observed)
                {
                    observed.Add(leader);
                }
            }
        });
        await Eventually.UntilAsync(() => Seen(observed, "a"), Deadline, "the observer sees the first leader");
        await first.ProclaimAsync("a2");
        await Eventually.UntilAsync(() => Seen(observed, "a2"), Deadline, "the observer sees the proclaimed value");
        var second = client.CampaignAsync(name, "b");
        await Eventually.UntilAsync(async () => (await client.GetLeaderAsync(name))?.Value == "a2", Deadline, "the first still leads");
        Assert.False(second.IsCompleted);

        await client.RevokeLeaseAsync(first.Session.LeaseId);
        await first.Closed.WaitAsync(Deadline);
        await using var next = await second.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => Seen(observed, "b"), Deadline, "the observer sees the new leader");
        await stop.CancelAsync();
        await observing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        Assert.True(first.IsLost);
        Assert.True(next.Token > first.Token);
        Assert.Equal("b", (await client.GetLeaderAsync(name))!.Value);
        await Assert.ThrowsAsync<ConflictException>(() => first.ProclaimAsync("late"));
        lock (observed)
        {
            Assert.Equal(["a", "a2", "b"], observed.Select(l => l.Value).Distinct());
        }
    }

    [Fact]
    public async Task Resign_LetsTheNextCandidateLead()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("elect");

        var first = await client.CampaignAsync(name, "a");
        var second = client.CampaignAsync(name, "b");
        await first.ResignAsync();
        await using var next = await second.WaitAsync(Deadline);

        Assert.False(first.IsLost);
        Assert.Equal("b", (await client.GetLeaderAsync(name))!.Value);
        Assert.Null(await client.GetLeaderAsync(Unique("nobody")));
    }

    private static bool Seen(List<LeaderDto> observed, string value)
    {
        lock (observed)
        {
            return observed.Any(l => l.Value == value);
        }
    }
}
