using Cairn.Contracts;
using Cairn.Coordination.Recipes;

namespace Cairn.Coordination.Tests.Recipes;

/// <summary>Simple barriers, and double barriers whose rounds let exactly their count through; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class BarrierStoreBehaviour(Backend backend) : RecipeBehaviour(backend)
{
    private BarrierStore Barriers => new(Store);

    private Task<BarrierEntryDto> EnterInBackground(string name, int count = 5) =>
        Background(async stop =>
        {
            var entry = await Barriers.EnterAsync(name, new EnterBarrierDto { Lease = await LeaseAsync(), Count = count }, stop);
            Assert.NotNull(entry);
            return entry;
        });

    private async Task<int> EnteredAsync(string name) => (await Barriers.GetAsync(name)).Participants?.Count ?? 0;

    private Task UntilEnteredAsync(string name, long round, int count) =>
        Eventually.UntilAsync(async () => await Barriers.GetAsync(name) is { } s && s.Round == round && (s.Participants?.Count ?? 0) == count, Deadline, $"{count} have entered round {round}");

    [Fact]
    public async Task SimpleBarrier_HoldBlocksWaiters_ReleaseLetsThemAllThrough()
    {
        Assert.True(await Barriers.WaitAsync("b", TimeSpan.Zero)); // not held: passes at once

        var held = await Barriers.HoldAsync("b");
        Assert.True(held.Held);
        Assert.True((await Barriers.HoldAsync("b")).Held); // idempotent
        Assert.False(await Barriers.WaitAsync("b", TimeSpan.FromMilliseconds(300)));
        Assert.False(await Barriers.WaitAsync("b", TimeSpan.Zero));
        var waiters = Enumerable.Range(0, 3).Select(_ => Background(stop => Barriers.WaitAsync("b", cancellationToken: stop))).ToList();

        Assert.True(await Barriers.ReleaseAsync("b"));

        Assert.All(await Task.WhenAll(waiters).WaitAsync(Deadline), Assert.True);
        Assert.False((await Barriers.GetAsync("b")).Held);
        Assert.False(await Barriers.ReleaseAsync("b"));
    }

    [Fact]
    public async Task DoubleBarrier_SixEnterForFive_ExactlyFivePassRoundOne_TheSixthWaitsForFourMore()
    {
        var first = Enumerable.Range(0, 6).Select(_ => EnterInBackground("d")).ToList();

        await Eventually.UntilAsync(() => first.Count(t => t.IsCompleted) >= 5, Deadline, "five pass round 1");
        await UntilEnteredAsync("d", 2, 1);
        var passed = first.Where(t => t.IsCompleted).ToList();
        Assert.Equal(5, passed.Count);
        Assert.All(passed, t => Assert.Equal(1, t.Result.Round));
        var sixth = first.Single(t => !t.IsCompleted);

        // Round 2 fills from the sixth on; none of it passes before its fifth arrives.
        var second = Enumerable.Range(0, 3).Select(_ => EnterInBackground("d")).ToList();
        await UntilEnteredAsync("d", 2, 4);
        Assert.False(sixth.IsCompleted);
        Assert.All(second, t => Assert.False(t.IsCompleted));

        second.Add(EnterInBackground("d"));
        var roundTwo = await Task.WhenAll(second.Append(sixth)).WaitAsync(Deadline);

        Assert.All(roundTwo, e => Assert.Equal(2, e.Round));
        Assert.Equal(10, roundTwo.Concat(passed.Select(t => t.Result)).Select(e => e.Participant).Distinct().Count());
        Assert.Equal(3, (await Barriers.GetAsync("d")).Round);
    }

    [Fact]
    public async Task DoubleBarrier_NoneOfTheRoundPassesBeforeTheCountthEntry()
    {
        var entries = new List<Task<BarrierEntryDto>>();
        for (var i = 1; i < 5; i++)
        {
            entries.Add(EnterInBackground("d"));
            await UntilEnteredAsync("d", 1, i);
            Assert.All(entries, t => Assert.False(t.IsCompleted));
        }

        entries.Add(EnterInBackground("d"));

        Assert.All(await Task.WhenAll(entries).WaitAsync(Deadline), e => Assert.Equal(1, e.Round));
    }

    [Fact]
    public async Task DoubleBarrier_LeaveWaitsUntilEveryParticipantOfTheRoundHasLeft()
    {
        var entries = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => EnterInBackground("d"))).WaitAsync(Deadline);
        var round = BarrierStore.Prefix + "d/r/1/";
        var keys = await KeysAsync(round);
        Assert.Equal(5, keys.Count);

        // The newest stays; the other four leave (the oldest of them, by the recipe, keeps its key until it is alone).
        var last = entries.Single(e => keys[^1].Key.EndsWith(e.Participant, StringComparison.Ordinal));
        var leaving = entries.Where(e => e != last).Select(e => Background(stop => Barriers.LeaveAsync("d", e, cancellationToken: stop))).ToList();
        await Eventually.UntilAsync(async () => (await KeysAsync(round)).Count == 2, Deadline, "every leaver but the oldest has deleted its key");
        Assert.Equal([keys[0].Key, keys[^1].Key], (await KeysAsync(round)).Select(kv => kv.Key));
        Assert.All(leaving, t => Assert.False(t.IsCompleted));

        Assert.True(await Barriers.LeaveAsync("d", last, Deadline));

        Assert.All(await Task.WhenAll(leaving).WaitAsync(Deadline), Assert.True);
        Assert.Empty(await KeysAsync(round));
    }

    [Fact]
    public async Task DoubleBarrier_LeaveRunningOut_ReturnsFalse_AndTheParticipantHasLeft()
    {
        var entries = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EnterInBackground("d", count: 3))).WaitAsync(Deadline);
        var round = BarrierStore.Prefix + "d/r/1/";

        Assert.False(await Barriers.LeaveAsync("d", entries[0], TimeSpan.FromMilliseconds(300)));
        Assert.False(await Barriers.LeaveAsync("d", entries[1], TimeSpan.Zero));
        Assert.Single(await KeysAsync(round));

        Assert.True(await Barriers.LeaveAsync("d", entries[2], TimeSpan.Zero));
        Assert.Empty(await KeysAsync(round));
    }

    [Fact]
    public async Task DoubleBarrier_AnotherCount_IsAConflict_AndLeavesNothingBehind()
    {
        var waiting = EnterInBackground("d", count: 3);
        await UntilEnteredAsync("d", 1, 1);

        var lease = await LeaseAsync();
        await Assert.ThrowsAsync<ConflictException>(() => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = lease, Count = 4 }));
        Assert.Equal(1, await EnteredAsync("d"));
        Assert.Single(await KeysAsync(BarrierStore.Prefix + "d/r/"));
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task DoubleBarrier_EnterRunningOut_ReturnsNull_AndWithdrawsTheParticipant()
    {
        var waiting = EnterInBackground("d", count: 3);
        await UntilEnteredAsync("d", 1, 1);

        Assert.Null(await Barriers.EnterAsync("d", new EnterBarrierDto { Lease = await LeaseAsync(), Count = 3, WaitSeconds = 0.3 }));
        using var cancel = new CancellationTokenSource();
        var cancelled = Barriers.EnterAsync("d", new EnterBarrierDto { Lease = await LeaseAsync(), Count = 3 }, cancel.Token);
        await UntilEnteredAsync("d", 1, 2);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Deadline));

        Assert.Equal(1, await EnteredAsync("d"));
        Assert.Single(await KeysAsync(BarrierStore.Prefix + "d/r/"));

        // The withdrawn entries do not count: it takes two more to fill the round.
        var second = EnterInBackground("d", count: 3);
        await UntilEnteredAsync("d", 1, 2);
        Assert.False(waiting.IsCompleted);
        var third = EnterInBackground("d", count: 3);
        await Task.WhenAll(waiting, second, third).WaitAsync(Deadline);
    }

    [Fact]
    public async Task DoubleBarrier_AParticipantWhoseSessionEnded_IsNotCounted()
    {
        var deadLease = await LeaseAsync();
        var dead = Background(stop => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = deadLease, Count = 3 }, stop));
        var waiting = EnterInBackground("d", count: 3);
        await UntilEnteredAsync("d", 1, 2);

        await Store.RevokeLeaseAsync(deadLease);
        var next = EnterInBackground("d", count: 3);
        await Eventually.UntilAsync(
            async () =>
            {
                var entered = (await Barriers.GetAsync("d")).Participants ?? [];
                var keys = (await KeysAsync(BarrierStore.Prefix + "d/r/1/")).Select(kv => kv.Key[(kv.Key.LastIndexOf('/') + 1)..]);
                return entered.Count == 2 && entered.Order().SequenceEqual(keys.Order());
            },
            Deadline,
            "the dead participant is dropped from the round and the next one is in");

        Assert.False(waiting.IsCompleted);
        var last = EnterInBackground("d", count: 3);
        await Task.WhenAll(waiting, next, last).WaitAsync(Deadline);
        Assert.Equal(3, (await KeysAsync(BarrierStore.Prefix + "d/r/1/")).Count);
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => dead.WaitAsync(Deadline));
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingIsWritten()
    {
        var lease = await LeaseAsync();
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.HoldAsync("a/b"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.WaitAsync("b", TimeSpan.FromSeconds(-1)));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = lease, Count = 1 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = lease, Count = 10_001 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = 0, Count = 3 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.EnterAsync("d", new EnterBarrierDto { Lease = lease, Count = 3, WaitSeconds = -1 }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.LeaveAsync("d", new BarrierEntryDto { Round = 0, Participant = "0000000000000001-00000000" }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Barriers.LeaveAsync("d", new BarrierEntryDto { Round = 1, Participant = "../x" }));

        Assert.Empty(await KeysAsync("/cairn/"));
    }
}
