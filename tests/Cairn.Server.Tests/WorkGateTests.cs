using Cairn.Core;
using Cairn.Core.Concurrency;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests;

/// <summary>The admission gate on its own: how many run, who waits, in what order, and who is turned away.</summary>
public sealed class WorkGateTests
{
    private static WorkGate Gate(int running, int queued, TimeProvider? time = null) =>
        new(new WorkGateOptions { Name = "test", MaxConcurrent = running, MaxQueued = queued, SettingsSection = "Test" }, time);

    [Fact]
    public async Task TwoRunAtOnce_TwoWaitInArrivalOrder_AndTheFifthIsRefusedAtOnce()
    {
        using var gate = Gate(running: 2, queued: 2);
        var first = await gate.EnterAsync(CancellationToken.None);
        var second = await gate.EnterAsync(CancellationToken.None);
        var third = gate.EnterAsync(CancellationToken.None).AsTask();
        var fourth = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);
        Assert.Equal((2, 2), (gate.Running, gate.Queued));

        var refused = await Assert.ThrowsAsync<UnavailableException>(async () => await gate.EnterAsync(CancellationToken.None));
        Assert.Contains("test queue is full", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Test:MaxQueued", refused.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);

        first.Dispose();
        first.Dispose(); // a second release is harmless: it lets nobody else in
        using var thirdPermit = await third.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(fourth.IsCompleted);
        Assert.Equal((2, 1), (gate.Running, gate.Queued));

        second.Dispose();
        using var fourthPermit = await fourth.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((2, 0), (gate.Running, gate.Queued));
    }

    [Fact]
    public async Task ACallerThatGivesUp_LeavesTheQueue_AndNeverRuns()
    {
        using var gate = Gate(running: 1, queued: 1);
        var running = await gate.EnterAsync(CancellationToken.None);
        using var leaving = new CancellationTokenSource();
        var left = gate.EnterAsync(leaving.Token).AsTask();
        Assert.Equal(1, gate.Queued);

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
        Assert.Equal(0, gate.Queued);

        // Its place is free again, and the turn that frees up goes to the caller still there.
        var next = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        running.Dispose();
        using var permit = await next.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((1, 0), (gate.Running, gate.Queued));
    }

    [Fact]
    public async Task AWaitLongerThanTheQueueTimeout_IsRefused()
    {
        var time = new FakeTimeProvider();
        using var gate = new WorkGate(new WorkGateOptions { Name = "test", MaxConcurrent = 1, MaxQueued = 1, QueueTimeout = TimeSpan.FromSeconds(30) }, time);
        using var running = await gate.EnterAsync(CancellationToken.None);
        var waiting = gate.EnterAsync(CancellationToken.None).AsTask();

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("no turn came within 30s", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public async Task AClosedGate_RefusesItsWaitersAndLaterCallers()
    {
        var gate = Gate(running: 1, queued: 1);
        using var running = await gate.EnterAsync(CancellationToken.None);
        var waiting = gate.EnterAsync(CancellationToken.None).AsTask();

        gate.Dispose();
        Assert.Contains("closed", (await Assert.ThrowsAsync<UnavailableException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)))).Message, StringComparison.Ordinal);
        Assert.Contains("closed", (await Assert.ThrowsAsync<UnavailableException>(async () => await gate.EnterAsync(CancellationToken.None))).Message, StringComparison.Ordinal);
    }
}
