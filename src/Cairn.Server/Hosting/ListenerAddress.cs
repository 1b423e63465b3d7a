using System.Net;
using System.Net.Sockets;

using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cairn.Server.Hosting;

/// <summary>A parsed listener: a TCP endpoint or a Unix socket path.</summary>
internal sealed record ListenerAddress(IPEndPoint? Tcp, string? UnixPath)
{
    // sun_path in struct sockaddr_un holds 108 bytes including the terminating NUL.
    private const int MaxUnixPathBytes = 107;

    public static ListenerAddress Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                throw new StartupException($"Listener '{text}' has no socket path; write it as unix:/path/to/cairn.sock.");
            }

            var full = Path.GetFullPath(path);
            if (System.Text.Encoding.UTF8.GetByteCount(full) > MaxUnixPathBytes)
            {
                throw new StartupException($"Unix socket path '{full}' is longer than {MaxUnixPathBytes} bytes, the limit of the operating system; choose a shorter path.");
            }

            return new ListenerAddress(null, full);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
        {
            throw new StartupException($"Listener '{text}' is not understood; use http://HOST:PORT or unix:/path/to/socket.");
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

        return new ListenerAddress(new IPEndPoint(address, uri.Port), null);
    }

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
        catch (SocketException)
        {
            // Nobody listens: a socket file left behind by a server that died. Safe to replace.
            File.Delete(UnixPath);
            return;
        }

        throw new StartupException($"Cannot listen on unix:{UnixPath}: another process is already serving on it.");
    }

    /// <summary>Makes Kestrel listen here, configured by <paramref name="configure"/> when given.</summary>
    public void Bind(KestrelServerOptions kestrel, Action<ListenOptions>? configure)
    {
        if (UnixPath is not null)
        {
            kestrel.ListenUnixSocket(UnixPath, configure ?? (_ => { }));
        }
        else
        {
            kestrel.Listen(Tcp!, configure ?? (_ => { }));
        }
    }

    public override string ToString() => UnixPath is not null ? "unix:" + UnixPath : "http://" + Tcp;
}
