using Cairn.Core;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Client.Tests;

/// <summary><see cref="CairnSession"/>: keys that live as long as the session does.</summary>
public sealed class SessionTests(FakeClockServerFixture fixture) : IClassFixture<FakeClockServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static string Unique() => $"session-{Guid.NewGuid():N}/";

    [Fact]
    public async Task Session_KeysVanish_AtDisposeAsync()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var prefix = Unique();
        var session = await client.CreateSessionAsync(30);

        await session.PutAsync(prefix + "a", "1");
        await session.PutAsync(prefix + "b", "2"u8.ToArray());
        var before = await client.ListAsync(prefix);
        await session.DisposeAsync();
        var after = await client.ListAsync(prefix);

        Assert.Equal(2, before.Count);
        Assert.All(before.Kvs, kv => Assert.Equal(session.LeaseId, kv.Lease));
        Assert.Equal(0, after.Count);
        Assert.Null(await client.LeaseTimeToLiveAsync(session.LeaseId));
        Assert.True(session.Closed.IsCompleted);
        Assert.False(session.IsLost);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.PutAsync(prefix + "c", "3"));
        await session.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Session_KeepsItsKeys_PastItsTtl_WhileAlive()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var key = Unique() + "member";
        var clock = fixture.Clock;

        // The session's clock is the server's, observed: each step of time is taken only once the session waits on its
        // next renewal timer, so that no step passes a timer by before it is set.
        var sessionClock = new ObservedTimeProvider(clock);
        await using var session = await client.CreateSessionAsync(3, sessionClock);
        await session.PutAsync(key, "here");
        await Eventually.UntilAsync(() => sessionClock.TimersCreated >= 1, Deadline, "the session waits to renew its lease");

        // Seven seconds of the server's and the session's clock, one at a time: each time the session renews its lease
        // (every TTL/3) and the server has it full again. More than twice the TTL passes, with no real waiting.
        for (var second = 1; second <= 7; second++)
        {
            var timers = sessionClock.TimersCreated;
            clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.UntilAsync(
                async () => sessionClock.TimersCreated > timers && (await client.LeaseTimeToLiveAsync(session.LeaseId))?.RemainingTtlSeconds == 3,
                Deadline,
                $"the session has renewed its lease {second} s after it began, and waits to renew it again");
        }

        Assert.Equal("here", await client.GetStringAsync(key));
        Assert.False(session.IsLost);
        Assert.NotNull(await client.LeaseTimeToLiveAsync(session.LeaseId));
    }

    [Fact]
    public async Task Session_IsLost_WhenItsLeaseIsRevokedBehindItsBack()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        await using var session = await client.CreateSessionAsync(3);

        await client.RevokeLeaseAsync(session.LeaseId);
        await session.Closed.WaitAsync(Deadline);

        Assert.True(session.IsLost);
        Assert.True(session.Lost.IsCancellationRequested);
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => session.PutAsync(Unique() + "x", "v"));
    }

    [Fact]
    public async Task Session_RidesOutAnUnreachableServer_UntilItsTtlHasPassed()
    {
        await using var proxy = new TcpProxy(fixture.TcpEndpoint);
        using var client = new CairnClient(proxy.Endpoint);
        var clock = new FakeTimeProvider();
        await using var session = await client.CreateSessionAsync(10, clock);
        var lostAt = DateTimeOffset.MinValue;
        session.Lost.Register(() => lostAt = clock.GetUtcNow());

        // With the server reachable, renewals keep the session alive through many TTLs of the session's clock.
        for (var i = 0; i < 40; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.False(session.IsLost);

        proxy.Refuse(true);
        var cutAt = clock.GetUtcNow();
        await Eventually.UntilAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
                return session.Closed.IsCompleted;
            },
            Deadline,
            "the session is lost");

        Assert.True(session.IsLost);
        Assert.InRange(lostAt - cutAt, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(12));
    }
}
