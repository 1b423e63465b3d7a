using System.Net.Http.Headers;
using System.Net.Sockets;
using Cairn.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Hosting;

/// <summary>
/// HTTP clients for calls from this node to another node's published addresses (<c>http://host:port</c>,
/// <c>https://host:port</c> or <c>unix:/path</c>): one pooled client for TCP, one per Unix socket path. No timeout of
/// their own (bodies may be gigabytes; callers bound the wait for headers), no redirects, no cookies, no decompression:
/// what the other node sends is passed on as it is.
/// </summary>
/// <remarks>
/// Every call carries the cluster's node credential (<c>Authorization: Bearer</c> <see cref="AccessControl.NodeToken"/>)
/// once auth has been on, so that the other node serves <c>/v1/internal/…</c> to it. Over <c>https://</c> the other
/// node's certificate must chain to <c>Tls:CaFile</c> (else <c>Tls:ClientCaFile</c>, else the system's roots) and name
/// the address called, and this node's certificate (<c>Tls:CertFile</c>) is presented when the other node asks for one
/// (<see cref="TlsSetup.ClientOptions"/>).
/// </remarks>
internal sealed class NodeHttpClients : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly TlsSetup _tls;
    private readonly HttpClient _tcp;
    private readonly Dictionary<string, HttpClient> _unix = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private AccessControl? _access;
    private bool _accessResolved;

    /// <summary>Clients with the TLS of <paramref name="tls"/>, and the node credential of the
    /// <see cref="AccessControl"/> in <paramref name="services"/> (none while it is not there).</summary>
    public NodeHttpClients(TlsSetup tls, IServiceProvider services)
    {
        _services = services;
        _tls = tls;
        tls.Attach(services);
        _tcp = Client(Handler());
    }

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
                client = Client(handler);
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

    // The node credential, once auth has been on (null before: the other node serves everyone then).
    private string? NodeToken()
    {
        if (!Volatile.Read(ref _accessResolved))
        {
            _access = _services.GetService<AccessControl>();
            Volatile.Write(ref _accessResolved, true);
        }

        return _access?.NodeToken;
    }

    private HttpClient Client(SocketsHttpHandler handler) =>
        new(new NodeCredentialHandler(NodeToken) { InnerHandler = handler }) { Timeout = Timeout.InfiniteTimeSpan };

    private SocketsHttpHandler Handler() => new()
    {
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        SslOptions = _tls.ClientOptions(),
    };

    // Puts the node credential on each request.
    private sealed class NodeCredentialHandler(Func<string?> token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (token() is { } credential)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
