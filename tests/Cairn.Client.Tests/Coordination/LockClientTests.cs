using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests.Coordination;

/// <summary>Lock handles through the client against a real server over TCP.</summary>
public sealed class LockClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    [Fact]
    public async Task SecondAcquire_WaitsInLine_UntilTheFirstHandleIsDisposed_AndGetsALargerToken()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("lock");

        var first = await client.AcquireLockAsync(name, new LockOptions { Owner = "first" });
        var second = client.AcquireLockAsync(name, new LockOptions { Owner = "second" });
        await Eventually.UntilAsync(async () => (await client.GetLockAsync(name)).Queue.Count == 2, Deadline, "the second acquire waits in line");
        var queued = await client.GetLockAsync(name);
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using var granted = await second.WaitAsync(Deadline);

        Assert.Equal(["first", "second"], queued.Queue.Select(g => g.Owner));
        Assert.Equal([true, false], queued.Queue.Select(g => g.Held));
        Assert.True(granted.Token > first.Token);
        Assert.False(first.IsLost);
        Assert.True(first.Closed.IsCompleted);
        Assert.Null(await client.LeaseTimeToLiveAsync(first.Session.LeaseId)); // its own session ended with it
        Assert.Equal([granted.Token], (await client.GetLockAsync(name)).Queue.Select(g => g.Token));
    }

    [Fact]
    public async Task Acquire_WhoseWaitRunsOut_ThrowsConflict_AndLeavesNothingQueued()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("lock");
        await using var held = await client.AcquireLockAsync(name);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => client.AcquireLockAsync(name, new LockOptions { Wait = TimeSpan.FromMilliseconds(300) }));

        Assert.Contains(name, refused.Message, StringComparison.Ordinal);
        Assert.Single((await client.GetLockAsync(name)).Queue);
    }

    [Fact]
    public async Task ALockWhoseSessionIsRevokedBehindIt_FiresLost_ItsGuardedWriteIsRefused_AndTheNextHolderGetsIt()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("lock");
        var resource = "/test/fenced/" + name;
        var handle = await client.AcquireLockAsync(name, new LockOptions { SessionTtlSeconds = 30 });
        Assert.True(await handle.PutIfHeldAsync(resource, "by the first holder"));

        await client.RevokeLeaseAsync(handle.Session.LeaseId);
        await handle.Closed.WaitAsync(Deadline);
        await using var next = await client.AcquireLockAsync(name).WaitAsync(Deadline);
        var refused = await handle.PutIfHeldAsync(resource, "by the old holder, too late");
        var accepted = await next.PutIfHeldAsync(resource, "by the next holder");

        Assert.True(handle.IsLost);
        Assert.True(handle.Lost.IsCancellationRequested);
        Assert.False(refused);
        Assert.True(accepted);
        Assert.True(next.Token > handle.Token);
        Assert.Equal("by the next holder", await client.GetStringAsync(resource));
        await handle.DisposeAsync(); // nothing to release; no error
    }

    [Fact]
    public async Task AHandleOnTheCallersSession_DoesNotEndIt_AndIsLostWhenTheCallerEndsIt()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var session = await client.CreateSessionAsync(30);
        var released = await client.AcquireLockAsync(Unique("lock"), session: session);
        var kept = await client.AcquireLockAsync(Unique("lock"), session: session);

        await released.DisposeAsync();
        var alive = await client.LeaseTimeToLiveAsync(session.LeaseId);
        await session.DisposeAsync();
        await kept.Closed.WaitAsync(Deadline);

        Assert.NotNull(alive);
        Assert.False(released.IsLost);
        Assert.True(kept.IsLost);
        Assert.Empty((await client.GetLockAsync(kept.Name)).Queue);
    }

    [Fact]
    public async Task ReadLocks_AreHeldTogether_AndAWriterWaitsForThem()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var name = Unique("rw");

        var reader1 = await client.AcquireLockAsync(name, new LockOptions { Mode = LockModes.Read });
        var reader2 = await client.AcquireLockAsync(name, new LockOptions { Mode = LockModes.Read }).WaitAsync(Deadline);
        var writer = client.AcquireLockAsync(name, new LockOptions { Mode = LockModes.Write });
        await Eventually.UntilAsync(async () => (await client.GetLockAsync(name)).Queue.Count == 3, Deadline, "the writer waits in line");
        Assert.False(writer.IsCompleted);
        await reader1.DisposeAsync();
        await reader2.DisposeAsync();
        await using var written = await writer.WaitAsync(Deadline);

        Assert.Equal(LockModes.Write, written.Grant.Mode);
    }
}
