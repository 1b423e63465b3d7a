using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Barriers on the keyspace: a simple barrier (held while its key exists; waiters watch that key), and a double
/// barrier whose rounds let through exactly <c>count</c> participants at once, enter and leave.
/// </summary>
public sealed class BarrierStore(IKeyspace store)
{
    private readonly IKeyspace _store = store;

    /// <summary>Where barriers live.</summary>
    public const string Prefix = "/cairn/barriers/";

    /// <summary>Holds the simple barrier (idempotent).</summary>
    public Task<BarrierStateDto> HoldAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Releases it, letting every waiter through; false when it was not held.</summary>
    public Task<bool> ReleaseAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Waits until the simple barrier is not held; false when <paramref name="wait"/> ran out first.</summary>
    public Task<bool> WaitAsync(string name, TimeSpan? wait = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The barrier's state (simple, and the double barrier's current round).</summary>
    public Task<BarrierStateDto> GetAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Enters the double barrier's current round and waits until it has <see cref="EnterBarrierDto.Count"/>
    /// participants; a later arrival waits for the next round. Null when <see cref="EnterBarrierDto.WaitSeconds"/> ran out
    /// (the participant is withdrawn).</summary>
    /// <exception cref="ConflictException">The round takes another count.</exception>
    public Task<BarrierEntryDto?> EnterAsync(string name, EnterBarrierDto request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Leaves the round and waits until every participant of it has left; false when <paramref name="wait"/> ran out.</summary>
    public Task<bool> LeaveAsync(string name, BarrierEntryDto entry, TimeSpan? wait = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
