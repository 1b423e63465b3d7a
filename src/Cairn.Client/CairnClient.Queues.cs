using System.Net;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Queues over <c>/v1/queues</c>, with at-least-once delivery: an item taken by a consumer whose session ends
/// before it acknowledges goes back to the queue.</summary>
public sealed partial class CairnClient
{
    /// <summary>Adds an item at the end of a queue (<c>POST /v1/queues/{name}</c>).</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="value">The item's value (UTF-8 text).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The item, with its id (ids sort in enqueue order).</returns>
    /// <exception cref="LimitExceededException">The value is over the server's limit.</exception>
    public Task<QueueItemDto> EnqueueAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var uri = CoordinationUri("v1/queues", Name("queue name", name));
        return SendJsonAsync<QueueItemDto>(new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(new EnqueueItemDto { Value = value }) }, cancellationToken);
    }

    /// <summary>
    /// Takes the first ready item of a queue (<c>POST /v1/queues/{name}/dequeue</c>), waiting for one. The item is the
    /// consumer's until it is acknowledged (<see cref="QueueDelivery.AckAsync"/>) or given back; if the session behind the
    /// delivery ends first, the item is ready again for another consumer.
    /// </summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="wait">How long to wait for an item; null: until one comes (or cancelled); zero: only try.</param>
    /// <param name="session">The consumer's session; null: a new one, owned by the delivery (and ended with it).</param>
    /// <param name="cancellationToken">Gives up waiting.</param>
    /// <returns>The delivery, or null when no item came within <paramref name="wait"/>.</returns>
    public async Task<QueueDelivery?> DequeueAsync(string name, TimeSpan? wait = null, CairnSession? session = null, CancellationToken cancellationToken = default)
    {
        var uri = CoordinationUri("v1/queues", Name("queue name", name), "dequeue");
        var (held, owned) = await SessionForAsync(session, 10, cancellationToken).ConfigureAwait(false);
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            while (true)
            {
                var chunk = NextWait(started, wait, out var last);
                var item = await SendAsync(
                    new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(new DequeueDto { Lease = held.LeaseId, WaitSeconds = chunk.TotalSeconds }) },
                    async (response, ct) =>
                    {
                        if (response.StatusCode == HttpStatusCode.NoContent)
                        {
                            return null;
                        }

                        await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
                        return await ReadJsonAsync<QueueItemDto>(response, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
                if (item is not null)
                {
                    return new QueueDelivery(this, item, held.LeaseId, new HandleLife(held, owned));
                }

                if (last)
                {
                    if (owned)
                    {
                        await held.DisposeAsync().ConfigureAwait(false);
                    }

                    return null;
                }
            }
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

    /// <summary>Acknowledges a delivered item (<c>POST /v1/queues/{name}/items/{id}/ack?lease=</c>): it is removed.</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="id">The item's id.</param>
    /// <param name="lease">The session it was delivered under.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the item is not (any more) delivered under that session: its session ended, and it went back
    /// to the queue (or to another consumer).</returns>
    public Task<bool> AckAsync(string name, string id, long lease, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Post, CoordinationUri("v1/queues", [Name("queue name", name), "items", Name("item id", id), "ack"], "lease=" + Num(lease))), cancellationToken);

    /// <summary>Gives a delivered item back (<c>POST /v1/queues/{name}/items/{id}/nack?lease=</c>): it is ready again.</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="id">The item's id.</param>
    /// <param name="lease">The session it was delivered under.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the item is not (any more) delivered under that session.</returns>
    public Task<bool> NackAsync(string name, string id, long lease, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(new HttpRequestMessage(HttpMethod.Post, CoordinationUri("v1/queues", [Name("queue name", name), "items", Name("item id", id), "nack"], "lease=" + Num(lease))), cancellationToken);

    /// <summary>A queue's length (<c>GET /v1/queues/{name}</c>): items ready and items delivered but not acknowledged.</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<QueueStateDto> GetQueueAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<QueueStateDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/queues", Name("queue name", name))), cancellationToken);
}
