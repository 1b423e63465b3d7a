using System.Net.WebSockets;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// Streams a change feed (a run's events, a pool's, a member's loop, an election's leaders) to one client: as
/// Server-Sent Events (<see cref="ServerSentEvents"/>: event type, <c>id</c> = revision, resumed from
/// <c>Last-Event-ID</c>), or, on a WebSocket upgrade, one JSON text message per item. Whatever ends it (the client
/// leaves or closes its socket, the feed ends, the server stops) cancels the enumeration, so no watch outlives it.
/// Everything that can refuse the request (no such run, a bad revision) is settled by the caller before this starts.
/// </summary>
internal static class EventStream
{
    // How long a socket the server closes may take to answer the close before it is dropped.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where a feed resumed from <paramref name="fromRevision"/> (0: now) starts, and the store revision now: a start
    /// below the compaction point is refused up front (410) rather than in the middle of a stream. A client that asks
    /// for a revision not reached yet waits for it.
    /// </summary>
    /// <exception cref="InvalidArgumentException"><paramref name="fromRevision"/> is negative.</exception>
    /// <exception cref="CompactedException">The history from there is compacted away.</exception>
    public static async Task<(long Start, long Revision)> StartAsync(IKeyspace store, long fromRevision, CancellationToken cancellationToken)
    {
        if (fromRevision < 0)
        {
            throw new InvalidArgumentException($"'fromRevision' must be a revision (0: from now); got {fromRevision}.");
        }

        var status = await store.StatusAsync(cancellationToken).ConfigureAwait(false);
        var start = fromRevision == 0 ? status.Revision + 1 : fromRevision;
        if (start < status.CompactRevision)
        {
            throw new CompactedException(start, status.CompactRevision);
        }

        return (start, status.Revision);
    }

    /// <summary>The revision a feed resumes from: after the client's <c>Last-Event-ID</c>, else the
    /// <c>fromRevision</c> query parameter, else 0 (now).</summary>
    public static long ResumeFrom(HttpContext context) =>
        ServerSentEvents.ResumeFrom(context, RequestReading.Long(context, "fromRevision") ?? 0);

    /// <summary>Streams <paramref name="items"/> as SSE (<paramref name="describe"/> gives each event) or, on a WebSocket
    /// upgrade, as the JSON of <paramref name="message"/> (default: the event's data; a string is sent as it is).</summary>
    public static Task StreamAsync<T>(
        HttpContext context,
        long startRevision,
        long revision,
        Func<CancellationToken, IAsyncEnumerable<T>> items,
        Func<T, SseEvent> describe,
        Func<T, object?>? message = null) =>
        context.WebSockets.IsWebSocketRequest
            ? SocketAsync(context, items, message ?? (item => describe(item).Data))
            : ServerSentEvents.StreamAsync(context, startRevision, revision, items, describe);

    /// <summary>
    /// Accepts the upgrade and sends the JSON of <paramref name="message"/> for each item (items it maps to null are
    /// skipped) until the client closes the socket or goes, the feed ends (the socket is then closed normally), the feed
    /// fails (a last <c>{"error":{…}}</c> message, then a close), or the server stops. The client's messages are read and
    /// dropped: the reading keeps pings answered and notices the close.
    /// </summary>
    public static async Task SocketAsync<T>(HttpContext context, Func<CancellationToken, IAsyncEnumerable<T>> items, Func<T, object?> message)
    {
        var lifetime = context.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (!context.Response.HasStarted)
        {
            // Kestrel refuses the upgrade when the upgraded connections' share of Limits:MaxConnections is taken.
            throw new UnavailableException("Too many WebSockets are open (a quarter of Limits:MaxConnections); retry later, or follow the stream as Server-Sent Events.");
        }

        using (socket)
        {
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var receiver = ReceiveUntilClosedAsync(socket, ending, reading.Token);
            var status = WebSocketCloseStatus.NormalClosure;
            var reason = "the stream ended";
            try
            {
                await foreach (var item in items(ending.Token).WithCancellation(ending.Token).ConfigureAwait(false))
                {
                    if (message(item) is { } body)
                    {
                        await SendAsync(socket, body, ending.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ending.IsCancellationRequested)
            {
                // The client closed or left, or the server is stopping.
                if (lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    (status, reason) = (WebSocketCloseStatus.EndpointUnavailable, "the server is stopping");
                }
            }
            catch (WebSocketException)
            {
                // The client went away mid-send.
            }
            catch (CairnException ex)
            {
                (status, reason) = (WebSocketCloseStatus.InternalServerError, "the stream failed");
                var error = new StreamErrorDto { Code = ex.Code, Detail = ex.Message, Details = ex.Details };
                await TrySendAsync(socket, new { error }).ConfigureAwait(false);
            }
            finally
            {
                await ending.CancelAsync().ConfigureAwait(false);
                await CloseAsync(socket, status, reason, receiver, reading).ConfigureAwait(false);
            }
        }
    }

    // Reads (and drops) what the client sends until it closes or goes; then ends the stream.
    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource ending, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Gone, or dropped after the close grace.
        }
        finally
        {
            await ending.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, Task receiver, CancellationTokenSource reading)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // The client's close was received (answered here), or the server ends the stream (the receiver then sees
                // the client's answer).
                using var grace = new CancellationTokenSource(CloseGrace);
                await socket.CloseOutputAsync(status, reason, grace.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        try
        {
            await receiver.WaitAsync(CloseGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await reading.CancelAsync().ConfigureAwait(false);
            socket.Abort();
            await receiver.ConfigureAwait(false);
        }
    }

    // A string is sent as it is (a message already in its wire shape); anything else as wire JSON.
    private static Task SendAsync(WebSocket socket, object body, CancellationToken cancellationToken)
    {
        var bytes = body is string text ? System.Text.Encoding.UTF8.GetBytes(text) : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Options);
        return socket.SendAsync(bytes.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).AsTask();
    }

    private static async Task TrySendAsync(WebSocket socket, object body)
    {
        try
        {
            using var grace = new CancellationTokenSource(CloseGrace);
            await SendAsync(socket, body, grace.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }
}
