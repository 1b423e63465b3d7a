using System.Net.WebSockets;

namespace Cairn.Bench;

/// <summary>
/// The WebSockets of a fan-out run: <c>count</c> sockets to <c>/v1/watch</c>, each with a receiver handing every whole
/// message to one handler. Disposing it stops the receivers, aborts the sockets and waits for the receivers to end.
/// </summary>
internal sealed class WatchSocketSet : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly List<ClientWebSocket> _sockets = [];
    private readonly List<Task> _receivers = [];

    private WatchSocketSet(CancellationToken ct) => _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

    /// <summary>The sockets, connected.</summary>
    public IReadOnlyList<ClientWebSocket> Sockets => _sockets;

    /// <summary>Connects <paramref name="count"/> sockets to the server at <paramref name="baseAddress"/> and starts
    /// their receivers (<see cref="WatchBench.ReceiveMessagesAsync"/>).</summary>
    public static async Task<WatchSocketSet> OpenAsync(Uri baseAddress, int count, Action<ReadOnlyMemory<byte>, long> handle, Action<string> error, CancellationToken ct)
    {
        var set = new WatchSocketSet(ct);
        var uri = new UriBuilder(new Uri(baseAddress, "v1/watch")) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            for (var s = 0; s < count; s++)
            {
                var socket = new ClientWebSocket();
                set._sockets.Add(socket);
                await socket.ConnectAsync(uri, set._stop.Token).ConfigureAwait(false);
                set._receivers.Add(Task.Run(() => WatchBench.ReceiveMessagesAsync(socket, handle, error, set._stop.Token), set._stop.Token));
            }

            return set;
        }
        catch
        {
            await set.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll(_receivers).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
