using Cairn.Contracts;

namespace Cairn.Client.Tests.Coordination;

/// <summary>Pool memberships through the client against a real server over TCP.</summary>
public sealed class PoolClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    [Fact]
    public async Task AMemberWhoseSessionEnds_IsLost_AndItsBuddyTakesOverItsItemsOnce()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var pool = Unique("pool");
        var dying = await client.JoinPoolAsync(pool, "dying", sessionTtlSeconds: 30);
        await using var buddy = await client.JoinPoolAsync(pool, "buddy");
        await dying.PutItemAsync("item-1", "work");
        var before = await client.GetPoolAsync(pool);

        var takeovers = new List<PoolEventDto>();
        var reading = Task.Run(async () =>
        {
            await foreach (var change in buddy.Events)
            {
                if (change.Type == PoolEventTypes.Takeover)
                {
                    lock (takeovers)
                    {
                        takeovers.Add(change);
                    }
                }
            }
        });
        await client.RevokeLeaseAsync(dying.Session.LeaseId);
        await dying.Closed.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => Count(takeovers) > 0, Deadline, "the buddy reports the takeover");
        var items = await buddy.ListItemsAsync();
        var after = await client.GetPoolAsync(pool);

        Assert.Equal(["dying", "buddy"], before.Members.Select(m => m.Name));
        Assert.Equal(dying.Id, before.Members[1].Buddy);
        Assert.True(dying.IsLost);
        var takeover = Assert.Single(takeovers);
        Assert.Equal(dying.Id, takeover.From);
        Assert.Equal(["item-1"], takeover.Items!.Select(i => i.Item));
        var item = Assert.Single(items);
        Assert.Equal(dying.Id, item.From);
        Assert.Equal("work", item.Value);
        Assert.Equal([buddy.Id], after.Members.Select(m => m.Id));
        Assert.True(await buddy.FinishItemAsync("item-1"));
        Assert.Empty(await buddy.ListItemsAsync());
        await dying.DisposeAsync();
    }

    [Fact]
    public async Task DisposingAMembership_LeavesThePool_AndWatchersSeeTheJoinAndTheLeave()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var pool = Unique("pool");
        var start = await client.GetPoolAsync(pool);
        var seen = new List<PoolEventDto>();
        using var stop = new CancellationTokenSource(Deadline);
        var watching = Task.Run(async () =>
        {
            await foreach (var change in client.WatchPoolAsync(pool, start.Revision + 1, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(change);
                }
            }
        });

        var member = await client.JoinPoolAsync(pool);
        await member.DisposeAsync();
        await Eventually.UntilAsync(() => Count(seen) >= 2, Deadline, "the watcher sees the join and the leave");
        await stop.CancelAsync();
        await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        Assert.False(member.IsLost);
        Assert.Empty((await client.GetPoolAsync(pool)).Members);
        lock (seen)
        {
            Assert.Equal([(PoolEventTypes.Joined, member.Id), (PoolEventTypes.Left, member.Id)], seen.Select(e => (e.Type, e.Member)));
        }
    }

    private static int Count(List<PoolEventDto> events)
    {
        lock (events)
        {
            return events.Count;
        }
    }
}
