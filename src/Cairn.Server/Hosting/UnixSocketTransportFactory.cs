using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Hosting;

/// <summary>
/// Kestrel's transport for Cairn's Unix listeners: each socket is bound by <see cref="UnixSocketBinder"/> (mode, owner
/// and group set before it appears at its path) and handed to Kestrel's own socket transport as a listening handle
/// (<see cref="FileHandleEndPoint"/>), which Kestrel accepts on without binding again. Registered after Kestrel's
/// transport, so that Kestrel asks it first; it takes only the Unix paths it was given, and everything else goes to
/// Kestrel's.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class UnixSocketTransportFactory(
    IReadOnlyDictionary<string, UnixSocketOptions> sockets,
    IOptions<SocketTransportOptions> options,
    ILoggerFactory loggerFactory) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _kestrel = new(options, loggerFactory);

    /// <summary>Adds the transport for the Unix sockets among <paramref name="listeners"/>. Called after Kestrel's own
    /// transport is registered (Kestrel asks the last one registered first).</summary>
    public static void Register(IServiceCollection services, IEnumerable<ListenerAddress> listeners)
    {
        var sockets = listeners.Where(l => l.UnixPath is not null).ToDictionary(l => l.UnixPath!, l => l.SocketOptions!, StringComparer.Ordinal);
        services.AddSingleton<IConnectionListenerFactory>(sp => new UnixSocketTransportFactory(
            sockets, sp.GetRequiredService<IOptions<SocketTransportOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
    }

    public bool CanBind(EndPoint endpoint) => endpoint is UnixDomainSocketEndPoint unix && sockets.ContainsKey(unix.ToString());

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var path = endpoint.ToString()!;
        var socket = UnixSocketBinder.Bind(path, sockets[path], options.Value.Backlog);
        try
        {
            var listener = await _kestrel.BindAsync(new FileHandleEndPoint((ulong)socket.Handle, FileHandleType.Auto), cancellationToken).ConfigureAwait(false);
            return new Listener(listener, socket, endpoint);
        }
        catch
        {
            Remove(path);
            socket.Dispose();
            throw;
        }
    }

    private static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Kestrel's listener on the handle, reporting the path it serves (the socket itself still names the
    /// private directory it was bound in). Unbinding closes the socket and removes its file, as unbinding a socket Kestrel
    /// had bound itself does: new clients are refused while the connections already open finish.</summary>
    private sealed class Listener(IConnectionListener kestrel, Socket socket, EndPoint endpoint) : IConnectionListener
    {
        private int _closed;

        public EndPoint EndPoint => endpoint;

        public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default) => kestrel.AcceptAsync(cancellationToken);

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await kestrel.UnbindAsync(cancellationToken).ConfigureAwait(false);
            Close();
        }

        public async ValueTask DisposeAsync()
        {
            await kestrel.DisposeAsync().ConfigureAwait(false);
            Close();
        }

        private void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Remove(endpoint.ToString()!);
                socket.Dispose();
            }
        }
    }
}
