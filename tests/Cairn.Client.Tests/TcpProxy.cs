using System.Net;
using System.Net.Sockets;

namespace Cairn.Client.Tests;

/// <summary>A loopback TCP proxy to a server whose connections a test can cut, or refuse, at will.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<Socket> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _accepted;
    private volatile bool _refusing;

    public TcpProxy(string httpEndpoint)
    {
        var uri = new Uri(httpEndpoint);
        _target = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Closes every open connection at once (both ends); new connections are still accepted.</summary>
    public void CutAll()
    {
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Close(0);
            }

            _open.Clear();
        }
    }

    /// <summary>Cuts every connection and closes new ones as soon as they arrive, as a dead server would.</summary>
    public void Refuse(bool refuse)
    {
        _refusing = refuse;
        if (refuse)
        {
            CutAll();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptSocketAsync(_stop.Token);
            if (_refusing)
            {
                inbound.Close(0);
                continue;
            }

            Interlocked.Increment(ref _accepted);
            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await outbound.ConnectAsync(_target, _stop.Token);
            }
            catch (SocketException)
            {
                inbound.Close(0);
                outbound.Dispose();
                continue;
            }

            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
