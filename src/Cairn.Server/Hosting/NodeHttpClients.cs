using System.Net.Sockets;

namespace Cairn.Server.Hosting;

/// <summary>
/// HTTP clients for calls from this node to another node's published addresses (<c>http://host:port</c> or
/// <c>unix:/path</c>): one pooled client for TCP, one per Unix socket path. No timeout of their own (bodies may be
/// gigabytes; callers bound the wait for headers), no redirects, no cookies, no decompression: what the other node sends
/// is passed on as it is.
/// </summary>
internal sealed class NodeHttpClients : IDisposable
{
    private readonly HttpClient _tcp = new(Handler()) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Dictionary<string, HttpClient> _unix = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary><paramref name="addresses"/> in the order to try them: Unix sockets (same machine) first.</summary>
    public static IEnumerable<string> InOrder(IEnumerable<string> addresses) =>
        addresses.OrderBy(a => a.StartsWith("unix:", StringComparison.Ordinal) ? 0 : 1);

    /// <summary>The client for <paramref name="address"/> and the base URI its request paths go under.</summary>
    public (HttpClient Client, Uri Base) For(string address)
    {
        if (!address.StartsWith("unix:", StringComparison.Ordinal))
        {
            return (_tcp, new Uri(address));
        }

        var path = address["unix:".Length..];
        lock (_gate)
        {
            if (!_unix.TryGetValue(path, out var client))
            {
                var handler = Handler();
                handler.ConnectCallback = async (_, token) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
                client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
                _unix[path] = client;
            }

            return (client, new Uri("http://localhost"));
        }
    }

    public void Dispose()
    {
        _tcp.Dispose();
        lock (_gate)
        {
            foreach (var client in _unix.Values)
            {
                client.Dispose();
            }
        }
    }

    private static SocketsHttpHandler Handler() => new()
    {
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };
}
