using System.Net;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Barriers over <c>/v1/barriers</c>: a simple barrier (held or not; waiters pass when it is released) and a
/// double barrier (rounds of exactly N participants that enter together and leave together).</summary>
public sealed partial class CairnClient
{
    /// <summary>Holds a barrier (<c>PUT /v1/barriers/{name}</c>): waiters block until it is released.</summary>
    /// <param name="name">The barrier's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<BarrierStateDto> HoldBarrierAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<BarrierStateDto>(new HttpRequestMessage(HttpMethod.Put, CoordinationUri("v1/barriers", Name("barrier name", name))), cancellationToken);

    /// <summary>Releases a barrier (<c>DELETE /v1/barriers/{name}</c>): every waiter passes.</summary>
    /// <param name="name">The barrier's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when it was not held.</returns>
    public Task<bool> ReleaseBarrierAsync(string name, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, CoordinationUri("v1/barriers", Name("barrier name", name))), cancellationToken);

    /// <summary>A barrier's state (<c>GET /v1/barriers/{name}</c>): held or not, and a double barrier's current round.</summary>
    /// <param name="name">The barrier's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<BarrierStateDto> GetBarrierAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<BarrierStateDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/barriers", Name("barrier name", name))), cancellationToken);

    /// <summary>Waits until a barrier is not held (<c>POST /v1/barriers/{name}/wait</c>); at once when it is not.</summary>
    /// <param name="name">The barrier's name.</param>
    /// <param name="wait">How long to wait; null: until released (or cancelled).</param>
    /// <param name="cancellationToken">Gives up waiting.</param>
    /// <returns>True when the barrier is not held; false when <paramref name="wait"/> ran out first.</returns>
    public async Task<bool> WaitBarrierAsync(string name, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var barrier = Name("barrier name", name);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var chunk = NextWait(started, wait, out var last);
            var uri = CoordinationUri("v1/barriers", [barrier, "wait"], "waitSeconds=" + WaitSeconds(chunk));
            var state = await SendJsonAsync<BarrierStateDto>(new HttpRequestMessage(HttpMethod.Post, uri), cancellationToken).ConfigureAwait(false);
            if (!state.Held)
            {
                return true;
            }

            if (last)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Enters a double barrier (<c>POST /v1/barriers/{name}/enter</c>) and waits until its round is full: a round lets
    /// through exactly <paramref name="count"/> participants, all at once; later arrivals wait for the next round. The
    /// participant lives under <paramref name="session"/> (or a session the entry creates and ends on dispose).
    /// </summary>
    /// <param name="name">The barrier's name.</param>
    /// <param name="count">How many participants a round takes (every participant gives the same).</param>
    /// <param name="wait">How long to wait for the round to fill; null: until it does (or cancelled).</param>
    /// <param name="session">The session to take part under; null: a new one, owned by the entry.</param>
    /// <param name="cancellationToken">Gives up waiting.</param>
    /// <returns>The entry; <see cref="BarrierEntry.LeaveAsync"/> it when done.</returns>
    /// <exception cref="ConflictException"><paramref name="wait"/> ran out before the round filled, or the barrier's
    /// rounds take another count.</exception>
    public async Task<BarrierEntry> EnterBarrierAsync(string name, int count, TimeSpan? wait = null, CairnSession? session = null, CancellationToken cancellationToken = default)
    {
        var uri = CoordinationUri("v1/barriers", Name("barrier name", name), "enter");
        var (held, owned) = await SessionForAsync(session, 10, cancellationToken).ConfigureAwait(false);
        try
        {
            var entry = await WaitInLineAsync<BarrierEntryDto>(
                wait,
                chunk => new HttpRequestMessage(HttpMethod.Post, uri)
                {
                    Content = JsonContent(new EnterBarrierDto { Lease = held.LeaseId, Count = count, WaitSeconds = chunk.TotalSeconds }),
                },
                cancellationToken).ConfigureAwait(false);
            return new BarrierEntry(this, entry, new HandleLife(held, owned));
        }
        catch
        {
            if (owned)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Leaves a double barrier's round (<c>POST /v1/barriers/{name}/leave</c>) and waits until every participant
    /// of the round has left (or its session ended).</summary>
    /// <param name="entry">The entry, as <see cref="EnterBarrierAsync"/> answered it.</param>
    /// <param name="wait">How long to wait for the others; null: until they have left (or cancelled); zero: leave only.</param>
    /// <param name="cancellationToken">Gives up waiting (this participant has left all the same).</param>
    /// <returns>True when every participant has left; false when <paramref name="wait"/> ran out first.</returns>
    public async Task<bool> LeaveBarrierAsync(BarrierEntryDto entry, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var barrier = Name("barrier name", entry.Name);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var chunk = NextWait(started, wait, out var last);
            var uri = CoordinationUri("v1/barriers", [barrier, "leave"], "waitSeconds=" + WaitSeconds(chunk));
            var left = await SendAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(entry) }, async (response, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    return false;
                }

                await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (left || last)
            {
                return left;
            }
        }
    }
}
