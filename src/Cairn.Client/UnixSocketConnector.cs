using System.Net.Http;
using System.Net.Sockets;

namespace Cairn.Client;

/// <summary>Lets a <see cref="SocketsHttpHandler"/> speak HTTP over a Unix domain socket.</summary>
public static class UnixSocketConnector
{
    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that opens every connection to the socket at
    /// <paramref name="path"/>; the request's host is then irrelevant (use <c>http://localhost</c>).</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectTo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
