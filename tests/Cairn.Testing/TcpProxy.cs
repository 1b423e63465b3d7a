using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Testing;

/// <summary>
/// A loopback TCP forwarder between clients and one server, for network faults: drop every connection, hold every byte
/// (a partition), or let a request through and cut the connection before its reply comes back (a lost reply).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private static readonly TimeSpan LostReplyPatience = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<Link, bool> _links = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gateLock = new();
    private volatile TaskCompletionSource _forwarding = NewGate(open: true);
    private int _dropAfterNextClientBytes;
    private Task _accepting = Task.CompletedTask;

    private TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
    }

    /// <summary><c>127.0.0.1:port</c> of the proxy, for a client's connect string.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many client connections the proxy has accepted so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>Starts forwarding connections to <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    public static Task<TcpProxy> StartAsync(string targetHost, int targetPort)
    {
        var proxy = new TcpProxy(targetHost, targetPort);
        proxy._listener.Start();
        proxy._accepting = Task.Run(proxy.AcceptAsync);
        return Task.FromResult(proxy);
    }

    /// <summary>Closes every connection now (clients see the server go away); new ones are accepted as before.</summary>
    public void DropAll()
    {
        foreach (var link in _links.Keys)
        {
            link.Close();
        }
    }

    /// <summary>
    /// While on, forwards nothing in either direction but keeps every socket open and accepts new connections: a
    /// network partition. Bytes read meanwhile are held (as TCP would retransmit them) and flow once it is off.
    /// </summary>
    public void Blackhole(bool on)
    {
        lock (_gateLock)
        {
            if (!on)
            {
                _forwarding.TrySetResult();
            }
            else if (_forwarding.Task.IsCompleted)
            {
                _forwarding = NewGate(open: false);
            }
        }
    }

    /// <summary>
    /// Forwards the next bytes a client sends to the server, then, once the server answers (or after 10 s), closes
    /// that connection without passing the answer on: the request was done, its reply lost.
    /// </summary>
    public void DropAfterNextClientFrame() => Interlocked.Exchange(ref _dropAfterNextClientBytes, 1);

    /// <summary>Stops accepting and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _forwarding.TrySetResult();
        DropAll();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.SetResult();
        }

        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Accepted++;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var link = new Link(client, server);
        _links[link] = true;
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stopping.Token).ConfigureAwait(false);
            await Task.WhenAll(PumpAsync(link, client, server, toServer: true), PumpAsync(link, server, client, toServer: false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            link.Close();
            _links.TryRemove(link, out _);
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to, bool toServer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await _forwarding.Task.ConfigureAwait(false);
                if (!toServer && link.RepliesCut)
                {
                    link.Close(); // the server answered the request whose reply is to be lost
                    break;
                }

                if (toServer && Interlocked.Exchange(ref _dropAfterNextClientBytes, 0) == 1)
                {
                    link.RepliesCut = true;
                    _ = Task.Delay(LostReplyPatience).ContinueWith(_ => link.Close(), TaskScheduler.Default);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            link.Close();
        }
    }

    private sealed class Link(Socket client, Socket server)
    {
        private int _closed;

        public volatile bool RepliesCut;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                client.Dispose();
                server.Dispose();
            }
        }
    }
}
