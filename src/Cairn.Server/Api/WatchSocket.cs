using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Api;

/// <summary>
/// One WebSocket carrying many watches and lease keep-alives. The client sends <see cref="SocketRequestDto"/> messages;
/// the server answers with one JSON object per message: <c>{"created":{watchId,startRevision,revision}}</c>,
/// <c>{"watchId","revision","events":[…]}</c> (with <c>"progress":true</c> and no events for a progress notification),
/// <c>{"canceled":{watchId,code,reason,…}}</c>, <c>{"keepalive":{id,ttl,remaining}}</c>, or
/// <c>{"error":{code,detail,…}}</c> for a message it could not act on; an error never ends the socket's other watches.
/// A create on a range the caller may not read whole is such an error (<c>permission_denied</c>, or <c>unauthenticated</c>),
/// a keep-alive needs <c>leases:write</c>, and every event is checked against the caller's permissions as it goes out.
/// </summary>
internal sealed partial class WatchSocket(WebSocket socket, IKeyspace store, HttpContext context, ILogger<WatchSocket> logger)
{
    private const int MaxMessageBytes = 64 * 1024;

    // Bounded: a client that stops reading stalls its own watches (which then catch up from history), nothing else.
    private readonly Channel<object> _outgoing = Channel.CreateBounded<object>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _watches = new();
    private readonly Func<string, bool>? _canRead = KeyspaceAccess.EventFilter(context);
    private long _lastWatchId;

    public async Task RunAsync(CancellationToken aborted)
    {
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var sender = SendLoopAsync(closing.Token);
        try
        {
            await ReceiveLoopAsync(closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            foreach (var watch in _watches.Values)
            {
                await CancelAsync(watch).ConfigureAwait(false);
            }

            _outgoing.Writer.TryComplete();
            await closing.CancelAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                }
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxMessageBytes];
        while (socket.State == WebSocketState.Open)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages are limited to {MaxMessageBytes} bytes", cancellationToken).ConfigureAwait(false);
                    return;
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                length += result.Count;
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            await HandleAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        SocketRequestDto? request;
        try
        {
            request = JsonSerializer.Deserialize<SocketRequestDto>(message.Span, WireJson.Options);
        }
        catch (JsonException ex)
        {
            await SendErrorAsync(ErrorCodes.InvalidArgument, "The message is not valid JSON for this socket: " + JsonErrors.Describe(ex), null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var parts = (request?.Create is null ? 0 : 1) + (request?.Cancel is null ? 0 : 1) + (request?.KeepAlive is null ? 0 : 1);
        if (request is null || parts != 1)
        {
            await SendErrorAsync(ErrorCodes.InvalidArgument, "A message must have exactly one of 'create', 'cancel' or 'keepalive'.", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            if (request.Create is { } create)
            {
                await CreateAsync(create, cancellationToken).ConfigureAwait(false);
            }
            else if (request.Cancel is { } cancel)
            {
                if (!_watches.TryRemove(cancel.WatchId, out var watch))
                {
                    throw new InvalidArgumentException($"There is no watch {cancel.WatchId} on this socket.");
                }

                await CancelAsync(watch).ConfigureAwait(false);
            }
            else
            {
                Caller.Demand(context, AuthResources.Leases, KeyspaceAccess.Write, null);
                var lease = await store.KeepAliveLeaseAsync(request.KeepAlive!.Lease, cancellationToken).ConfigureAwait(false);
                await SendAsync(new SocketEventDto { Keepalive = LeaseDto.From(lease, withKeys: false) }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CairnException ex)
        {
            await SendErrorAsync(ex.Code, ex.Message, ex.Details, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CreateAsync(WatchCreateDto create, CancellationToken cancellationToken)
    {
        var asked = create.ToModel(); // invalid input is refused before an id is taken
        Caller.DemandRange(context, asked.Range, KeyspaceAccess.Read);
        var id = create.WatchId ?? NextFreeWatchId();
        WatchRequest request;
        long revision;
        try
        {
            (request, revision) = await WatchStart.ResolveAsync(store, asked, cancellationToken).ConfigureAwait(false);
        }
        catch (CompactedException compacted)
        {
            await SendAsync(new SocketEventDto { Canceled = Canceled(id, compacted) }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!_watches.TryAdd(id, stop))
        {
            stop.Dispose();
            throw new InvalidArgumentException($"Watch id {id} is already in use on this socket.");
        }

        await SendAsync(new SocketEventDto { Created = new WatchCreatedDto { WatchId = id, StartRevision = request.StartRevision, Revision = revision } }, cancellationToken).ConfigureAwait(false);
        _ = RunWatchAsync(id, request, stop);
    }

    // Creates run one at a time (from the receive loop), so an id found free here is still free at TryAdd.
    private long NextFreeWatchId()
    {
        long id;
        do
        {
            id = Interlocked.Increment(ref _lastWatchId);
        }
        while (_watches.ContainsKey(id));

        return id;
    }

    private async Task RunWatchAsync(long id, WatchRequest request, CancellationTokenSource stop)
    {
        SocketEventDto? ending = null;
        try
        {
            await foreach (var response in store.WatchAsync(request, stop.Token).ConfigureAwait(false))
            {
                if (KeyspaceAccess.Filter(response, _canRead) is { } allowed)
                {
                    await _outgoing.Writer.WriteAsync(WatchResponseDto.From(allowed, id), stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            ending = new SocketEventDto { Canceled = new WatchCanceledDto { WatchId = id, Code = "canceled", Reason = "The watch was canceled." } };
        }
        catch (CairnException ex)
        {
            ending = new SocketEventDto { Canceled = Canceled(id, ex) };
        }
        catch (ChannelClosedException)
        {
            // The socket is closing.
        }
        catch (Exception ex)
        {
            LogWatchFailed(logger, id, ex);
            ending = new SocketEventDto { Canceled = new WatchCanceledDto { WatchId = id, Code = ErrorCodes.Internal, Reason = "The watch failed; the server log has the details." } };
        }
        finally
        {
            _watches.TryRemove(new KeyValuePair<long, CancellationTokenSource>(id, stop));
            stop.Dispose();
        }

        if (ending is not null)
        {
            _outgoing.Writer.TryWrite(ending);
        }
    }

    // A watch that ends on its own (its socket's token fired, or the store ended it) removes and disposes its source,
    // which can happen between taking it from _watches and canceling it here; then there is nothing left to cancel.
    private static async Task CancelAsync(CancellationTokenSource watch)
    {
        try
        {
            await watch.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static WatchCanceledDto Canceled(long id, CairnException error) =>
        new() { WatchId = id, Code = error.Code, Reason = error.Message, Details = Extensions(error.Details) };

    private static Dictionary<string, object?>? Extensions(IReadOnlyDictionary<string, object?>? details) =>
        details is { Count: > 0 } ? details.ToDictionary() : null;

    private Task SendErrorAsync(string code, string detail, IReadOnlyDictionary<string, object?>? details, CancellationToken cancellationToken)
    {
        var error = new SocketErrorDto { Code = code, Status = ErrorCatalog.StatusFor(code), Detail = detail, Details = Extensions(details) };
        return SendAsync(new SocketEventDto { Error = error }, cancellationToken);
    }

    private async Task SendAsync(object message, CancellationToken cancellationToken) =>
        await _outgoing.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(message, WireJson.Options);
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Watch {WatchId} failed")]
    private static partial void LogWatchFailed(ILogger logger, long watchId, Exception exception);
}
