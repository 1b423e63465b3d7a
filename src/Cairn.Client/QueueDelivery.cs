using Cairn.Contracts;

namespace Cairn.Client;

/// <summary>
/// An item taken from a queue (from <see cref="CairnClient.DequeueAsync"/>): the consumer's until it is acknowledged
/// (<see cref="AckAsync"/>: removed) or given back (<see cref="NackAsync"/>, or a dispose without either: ready again).
/// If the session behind it ends first, the item is ready again for another consumer and <see cref="Lost"/> fires.
/// </summary>
/// <remarks>Concurrency: every member is safe to call from any thread; <see cref="DisposeAsync"/> is idempotent.</remarks>
public sealed class QueueDelivery : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly HandleLife _life;
    private readonly long _lease;
    private int _settled;

    internal QueueDelivery(CairnClient client, QueueItemDto item, long lease, HandleLife life)
    {
        _client = client;
        _life = life;
        _lease = lease;
        Item = item;
    }

    /// <summary>The item as delivered.</summary>
    public QueueItemDto Item { get; }

    /// <summary>The item's id.</summary>
    public string Id => Item.Id;

    /// <summary>The item's value.</summary>
    public string Value => Item.Value;

    /// <summary>How many times it has been delivered (more than 1 after an earlier consumer died or gave it back).</summary>
    public int Deliveries => Item.Deliveries;

    /// <summary>The session it is delivered under.</summary>
    public CairnSession Session => _life.Session;

    /// <summary>Fires when the session behind the delivery ends: the item is no longer this consumer's.</summary>
    public CancellationToken Lost => _life.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _life.IsLost;

    /// <summary>Completes (never faults) when the delivery ends: acknowledged, given back, lost or disposed.</summary>
    public Task Closed => _life.Closed;

    /// <summary>Acknowledges the item (it is removed from the queue), and ends the delivery.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the item was no longer this consumer's (its session ended): another consumer may get it.</returns>
    public Task<bool> AckAsync(CancellationToken cancellationToken = default) => SettleAsync(ack: true, cancellationToken);

    /// <summary>Gives the item back (it is ready again), and ends the delivery.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the item was no longer this consumer's.</returns>
    public Task<bool> NackAsync(CancellationToken cancellationToken = default) => SettleAsync(ack: false, cancellationToken);

    /// <summary>Gives the item back unless it was acknowledged or given back already, and ends a session the delivery
    /// created. Idempotent.</summary>
    public ValueTask DisposeAsync() => _life.DisposeAsync(() =>
        Interlocked.Exchange(ref _settled, 1) == 0 ? _client.NackAsync(Item.Queue, Id, _lease) : Task.CompletedTask);

    private async Task<bool> SettleAsync(bool ack, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            throw new InvalidOperationException($"Item {Id} of queue '{Item.Queue}' was acknowledged or given back already.");
        }

        try
        {
            return ack
                ? await _client.AckAsync(Item.Queue, Id, _lease, cancellationToken).ConfigureAwait(false)
                : await _client.NackAsync(Item.Queue, Id, _lease, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }
}
