using System.Net;
using System.Net.Sockets;

using Cairn.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cairn.Server.Hosting;

/// <summary>A parsed listener: a TCP endpoint, plain (<c>http://</c>) or TLS (<c>https://</c>, <see cref="Https"/>), or a
/// Unix socket path with the mode, owner and group of its socket (<see cref="SocketOptions"/>).</summary>
internal sealed record ListenerAddress(IPEndPoint? Tcp, string? UnixPath)
{
    /// <summary>Whether this TCP listener speaks TLS (<c>https://</c>), with the certificate of the <c>Tls</c> settings.</summary>
    public bool Https { get; init; }

    /// <summary>Whether this is a TCP listener in plain HTTP on an address other than loopback (<c>0.0.0.0</c> included),
    /// which a client on another machine could reach.</summary>
    public bool IsPlaintextOnNetwork => Tcp is not null && !Https && !IPAddress.IsLoopback(Tcp.Address);

    /// <summary>A Unix listener's socket settings (<c>unix:PATH?mode=0660&amp;owner=…&amp;group=…</c>); null for TCP.</summary>
    public UnixSocketOptions? SocketOptions { get; init; }

    /// <summary>Reads <c>http://HOST:PORT</c>, <c>https://HOST:PORT</c> or <c>unix:PATH</c>, with options after <c>?</c> for a
    /// Unix socket.</summary>
    /// <param name="text">The listener as configured.</param>
    /// <param name="defaultSocketMode">A Unix socket's mode when the listener gives none.</param>
    /// <exception cref="StartupException">The listener cannot work; the message names it.</exception>
    public static ListenerAddress Parse(string text, UnixFileMode defaultSocketMode = UnixSocketOptions.Private)
    {
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["unix:".Length..];
            var query = path.IndexOf('?', StringComparison.Ordinal);
            if (query >= 0 && OperatingSystem.IsWindows())
            {
                throw new StartupException($"Listener '{text}': a Unix socket's mode, owner and group cannot be set on Windows.");
            }

            var options = query < 0 ? new UnixSocketOptions(defaultSocketMode, null, null) : UnixSocketOptions.Parse(text, path[(query + 1)..], defaultSocketMode);
            if (query >= 0)
            {
                path = path[..query];
            }

            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                throw new StartupException($"Listener '{text}' has no socket path; write it as unix:/path/to/cairn.sock.");
            }

            var full = Path.GetFullPath(path);
            if (System.Text.Encoding.UTF8.GetByteCount(full) > UnixSocketBinder.MaxPathBytes)
            {
                throw new StartupException($"Unix socket path '{full}' is longer than {UnixSocketBinder.MaxPathBytes} bytes, the limit of the operating system; choose a shorter path.");
            }

            if (!OperatingSystem.IsWindows() && UnixSocketBinder.StagedPathBytes(full) > UnixSocketBinder.MaxPathBytes)
            {
                throw new StartupException($"Unix socket path '{full}' is in a directory whose path is too long: the socket is bound first in a private directory beside it ({Path.GetDirectoryName(full)}/.cairn.XXXXXX/s), and that path must fit in {UnixSocketBinder.MaxPathBytes} bytes; choose a shorter directory.");
            }

            return new ListenerAddress(null, full) { SocketOptions = options };
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.AbsolutePath != "/")
        {
            throw new StartupException($"Listener '{text}' is not understood; use http://HOST:PORT, https://HOST:PORT or unix:/path/to/socket.");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new StartupException($"Listener '{text}' has options after '?' or '#'; only a Unix listener takes options (unix:/path?mode=0660).");
        }

        IPAddress address;
        if (uri.Host is "localhost")
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!))
        {
            throw new StartupException($"Listener '{text}' must name an IP address (or localhost), not '{uri.Host}'.");
        }

        return new ListenerAddress(new IPEndPoint(address, uri.Port), null) { Https = uri.Scheme == Uri.UriSchemeHttps };
    }

    /// <summary>Whether this listener and <paramref name="other"/> are the same address (whatever their socket
    /// settings).</summary>
    public bool SameAddress(ListenerAddress other) => Equals(Tcp, other.Tcp) && UnixPath == other.UnixPath;

    /// <summary>Checks a Unix socket path before binding: its directory must exist, and a socket file left by a dead
    /// server is removed, while one a live server answers on is an error.</summary>
    public void PrepareUnixSocket()
    {
        if (UnixPath is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(UnixPath)!;
        if (!Directory.Exists(directory))
        {
            throw new StartupException($"Cannot listen on unix:{UnixPath}: the directory '{directory}' does not exist. Create it or choose another path.");
        }

        if (!File.Exists(UnixPath))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(UnixPath));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody listens: a socket file left behind by a server that died. Safe to replace.
            File.Delete(UnixPath);
            return;
        }
        catch (SocketException ex)
        {
            // Not refused but not answered either (e.g. another user's socket this process may not connect to): whether a
            // server is behind it is unknown, so it is not removed.
            throw new StartupException($"Cannot listen on unix:{UnixPath}: a socket is there and connecting to it failed ({ex.Message}); remove it if no server uses it, or choose another path.");
        }

        throw new StartupException($"Cannot listen on unix:{UnixPath}: another process is already serving on it.");
    }

    /// <summary>Makes Kestrel listen here, configured by <paramref name="configure"/> when given; an <c>https://</c>
    /// listener then speaks TLS as <paramref name="tls"/> says (after <paramref name="configure"/>'s connection middleware,
    /// which thus sees every connection, handshakes included).</summary>
    /// <param name="kestrel">Kestrel's options.</param>
    /// <param name="tls">The TLS of <c>https://</c> listeners.</param>
    /// <param name="configure">Configures the listener (its connection middleware).</param>
    /// <param name="http2Endpoints">When given, the listener speaks HTTP/2 as well as HTTP/1.1: over TLS by ALPN, in
    /// cleartext by prior knowledge (<see cref="H2cHandoff"/>), whose extra Kestrel endpoint is added here.</param>
    /// <param name="h2cFirstBytesTimeout">How long a cleartext connection may take to send the bytes that tell HTTP/2 from
    /// HTTP/1.1 before it is taken to be HTTP/1.1.</param>
    public void Bind(KestrelServerOptions kestrel, TlsSetup tls, Action<ListenOptions>? configure, ICollection<ListenOptions>? http2Endpoints = null, TimeSpan h2cFirstBytesTimeout = default)
    {
        ListenOptions? bound = null;
        void Configure(ListenOptions listen)
        {
            configure?.Invoke(listen);
            if (Https)
            {
                if (http2Endpoints is not null)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                }

                tls.UseOn(listen);
            }

            bound = listen;
        }

        if (UnixPath is not null)
        {
            kestrel.ListenUnixSocket(UnixPath, Configure);
        }
        else
        {
            kestrel.Listen(Tcp!, Configure);
        }

        if (http2Endpoints is not null && !Https)
        {
            // Kestrel runs the configure callback at once, so the listener is known here.
            var handoff = new H2cHandoff(h2cFirstBytesTimeout > TimeSpan.Zero ? h2cFirstBytesTimeout : TimeSpan.FromSeconds(30));
            kestrel.Listen(handoff, http2 =>
            {
                handoff.Join(bound!, http2);
                http2Endpoints.Add(http2);
            });
        }
    }

    public override string ToString() => UnixPath is not null ? "unix:" + UnixPath : (Https ? "https://" : "http://") + Tcp;
}
