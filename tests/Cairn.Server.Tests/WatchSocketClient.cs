using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>A client of the watch WebSocket: sends JSON messages and receives one JSON object per message, with deadlines.</summary>
internal sealed class WatchSocketClient : IAsyncDisposable
{
    // A deadline against a stream that hangs, not a measure of speed: generous enough for a heavily loaded machine.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private WatchSocketClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<WatchSocketClient> ConnectAsync(string httpEndpoint)
    {
        var socket = new ClientWebSocket();
        var uri = new Uri(httpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch");
        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        return new WatchSocketClient(socket);
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text) =>
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(Timeout);

    public async Task<JsonElement> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The server closed the socket: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    /// <summary>Receives until a message of shape <paramref name="name"/> (a top-level property) arrives; returns what came before too.</summary>
    public async Task<(JsonElement Match, List<JsonElement> Before)> ReceiveUntilAsync(Func<JsonElement, bool> match)
    {
        var before = new List<JsonElement>();
        while (true)
        {
            var next = await ReceiveAsync();
            if (match(next))
            {
                return (next, before);
            }

            before.Add(next);
        }
    }

    /// <summary>Creates a watch and returns its <c>created</c> answer.</summary>
    public async Task<JsonElement> CreateAsync(object create)
    {
        await SendAsync(new { create });
        var (created, _) = await ReceiveUntilAsync(m => m.TryGetProperty("created", out _) || m.TryGetProperty("canceled", out _) || m.TryGetProperty("error", out _));
        return created;
    }

    public static bool IsEvents(JsonElement message, long watchId) =>
        message.TryGetProperty("watchId", out var id) && id.GetInt64() == watchId && message.TryGetProperty("events", out _) && !message.TryGetProperty("progress", out _);

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Timeout);
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException)
            {
            }
        }

        Socket.Dispose();
    }
}
