using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// A queue with at-least-once delivery: items are keys in enqueue order; a consumer claims one under its session's lease,
/// and the item goes back to the queue if the session ends before the consumer acknowledges it.
/// </summary>
public sealed class QueueStore(IKeyspace store)
{
    private readonly IKeyspace _store = store;

    /// <summary>Where queues live.</summary>
    public const string Prefix = "/cairn/queues/";

    /// <summary>Appends an item.</summary>
    public Task<QueueItemDto> EnqueueAsync(string queue, string value, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Claims the oldest ready item for <see cref="DequeueDto.Lease"/>, waiting for one; null when
    /// <see cref="DequeueDto.WaitSeconds"/> ran out.</summary>
    public Task<QueueItemDto?> DequeueAsync(string queue, DequeueDto request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Acknowledges (deletes) an item the session holds; false when it does not hold it (any more).</summary>
    public Task<bool> AckAsync(string queue, string id, long lease, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Gives an item back to the queue; false when the session does not hold it.</summary>
    public Task<bool> NackAsync(string queue, string id, long lease, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>How many items are ready and in flight.</summary>
    public Task<QueueStateDto> GetAsync(string queue, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
