using Cairn.Core;

namespace Cairn.Client.Tests.Coordination;

/// <summary>Barriers and queues through the client against a real server over TCP.</summary>
public sealed class BarrierAndQueueClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    [Fact]
    public async Task ABarrier_HoldsWaiters_UntilReleased()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("barrier");

        await client.HoldBarrierAsync(name);
        var timedOut = await client.WaitBarrierAsync(name, TimeSpan.FromMilliseconds(300));
        var waiting = client.WaitBarrierAsync(name);
        Assert.True((await client.GetBarrierAsync(name)).Held);
        Assert.False(waiting.IsCompleted);
        Assert.True(await client.ReleaseBarrierAsync(name));
        var passed = await waiting.WaitAsync(Deadline);

        Assert.False(timedOut);
        Assert.True(passed);
        Assert.False(await client.ReleaseBarrierAsync(name));
    }

    [Fact]
    public async Task ADoubleBarrier_LetsItsRoundInTogether_AndOutTogether()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("double");

        var first = client.EnterBarrierAsync(name, 3);
        var second = client.EnterBarrierAsync(name, 3);
        await Eventually.UntilAsync(async () => (await client.GetBarrierAsync(name)).Participants?.Count == 2, Deadline, "two participants wait in the round");
        Assert.False(first.IsCompleted || second.IsCompleted);
        var third = await client.EnterBarrierAsync(name, 3).WaitAsync(Deadline);
        var entries = new[] { await first.WaitAsync(Deadline), await second.WaitAsync(Deadline), third };

        var leaving = entries.Select(e => e.LeaveAsync()).ToList();
        var left = await Task.WhenAll(leaving).WaitAsync(Deadline);

        Assert.Single(entries.Select(e => e.Round).Distinct());
        Assert.Equal(3, entries.Select(e => e.Participant).Distinct().Count());
        Assert.All(left, Assert.True);
        Assert.All(entries, e => Assert.True(e.Closed.IsCompleted));
    }

    [Fact]
    public async Task EntriesUnderTheCallersSessions_DisposedOneAfterAnother_DoNotWaitForEachOther()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("dispose");
        var sessions = new List<CairnSession>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await client.CreateSessionAsync(30));
        }

        var entering = sessions.Select(s => client.EnterBarrierAsync(name, 3, session: s)).ToList();
        var entries = await Task.WhenAll(entering).WaitAsync(Deadline);

        // Each dispose leaves without waiting for the round: one after another, none waits on one not yet disposed.
        foreach (var entry in entries)
        {
            await entry.DisposeAsync().AsTask().WaitAsync(Deadline);
        }

        await Eventually.UntilAsync(async () => (await client.GetBarrierAsync(name)).Participants is not { Count: > 0 }, Deadline, "the round is empty");
        foreach (var session in sessions)
        {
            Assert.False(session.IsLost);
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task AQueue_DeliversInOrder_AtLeastOnce_AndAGivenBackItemComesAgain()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("queue");
        await client.EnqueueAsync(name, "a");
        await client.EnqueueAsync(name, "b");

        var a = (await client.DequeueAsync(name, TimeSpan.Zero))!;
        var b = (await client.DequeueAsync(name, TimeSpan.Zero))!;
        var none = await client.DequeueAsync(name, TimeSpan.Zero);
        var state = await client.GetQueueAsync(name);
        Assert.True(await a.AckAsync());
        await b.DisposeAsync(); // given back
        var again = (await client.DequeueAsync(name, TimeSpan.FromSeconds(10)))!;
        var lostSession = again.Session.LeaseId;
        await client.RevokeLeaseAsync(lostSession);
        await again.Closed.WaitAsync(Deadline);
        await using var third = (await client.DequeueAsync(name, TimeSpan.FromSeconds(10)))!;

        Assert.Equal("a", a.Value);
        Assert.Equal("b", b.Value);
        Assert.Null(none);
        Assert.Equal(0, state.Ready);
        Assert.Equal(2, state.InFlight);
        Assert.Equal("b", again.Value);
        Assert.Equal(2, again.Deliveries);
        Assert.True(again.IsLost);
        Assert.Equal("b", third.Value);
        Assert.Equal(3, third.Deliveries);
        Assert.True(await third.AckAsync());
        var end = await client.GetQueueAsync(name);
        Assert.Equal((0, 0), (end.Ready, end.InFlight));
        await Assert.ThrowsAsync<InvalidOperationException>(() => third.AckAsync());
    }
}
