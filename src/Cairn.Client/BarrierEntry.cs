using Cairn.Contracts;

namespace Cairn.Client;

/// <summary>
/// A participant of a double barrier's round (from <see cref="CairnClient.EnterBarrierAsync"/>): every participant of
/// the round has entered. Call <see cref="LeaveAsync"/> when done, to wait for the others to be done too.
/// </summary>
/// <remarks>Concurrency: every member is safe to call from any thread; <see cref="DisposeAsync"/> is idempotent.</remarks>
public sealed class BarrierEntry : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly HandleLife _life;

    internal BarrierEntry(CairnClient client, BarrierEntryDto entry, HandleLife life)
    {
        _client = client;
        _life = life;
        Entry = entry;
    }

    /// <summary>The entry as the server answered it.</summary>
    public BarrierEntryDto Entry { get; }

    /// <summary>The barrier's name.</summary>
    public string Name => Entry.Name;

    /// <summary>The round entered (1, 2, …).</summary>
    public long Round => Entry.Round;

    /// <summary>This participant's id in the round.</summary>
    public string Participant => Entry.Participant;

    /// <summary>How many participants the round took.</summary>
    public int Count => Entry.Count;

    /// <summary>The session the participant lives under.</summary>
    public CairnSession Session => _life.Session;

    /// <summary>Fires when the session behind the participant ends (it is no longer in the round).</summary>
    public CancellationToken Lost => _life.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _life.IsLost;

    /// <summary>Completes (never faults) when the entry ends: lost, left or disposed.</summary>
    public Task Closed => _life.Closed;

    /// <summary>Leaves the round and waits until every participant of it has left; then ends the entry (and a session it
    /// created).</summary>
    /// <param name="wait">How long to wait for the others; null: until they have left (or cancelled).</param>
    /// <param name="cancellationToken">Gives up waiting (this participant has left all the same).</param>
    /// <returns>True when every participant has left; false when <paramref name="wait"/> ran out first.</returns>
    public async Task<bool> LeaveAsync(TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var done = false;
        try
        {
            done = await _client.LeaveBarrierAsync(Entry, wait, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Left already (or trying to): the dispose only ends the session.
            await _life.DisposeAsync(() => Task.CompletedTask).ConfigureAwait(false);
        }

        return done;
    }

    /// <summary>Leaves the round without waiting for the others (unless lost already) and ends a session the entry
    /// created. Idempotent. To wait until every participant of the round is done, call <see cref="LeaveAsync"/> first: a
    /// dispose never waits on other participants, so disposing entries one after another cannot deadlock.</summary>
    public ValueTask DisposeAsync() => _life.DisposeAsync(() => _life.OwnsSession ? Task.CompletedTask : _client.LeaveBarrierAsync(Entry, TimeSpan.Zero));
}
