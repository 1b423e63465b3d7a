using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Cairn.Server.Security;

/// <summary>
/// The connection middleware of a Unix listener: reads the peer's credentials (<c>SO_PEERCRED</c>: the pid, uid and gid
/// the kernel recorded when the client connected, which the client cannot forge) once, when the connection is accepted,
/// and sets them as the connection's <see cref="PeerCredentials"/> feature (Kestrel's request features fall back to the
/// connection's, so every request on it sees them).
/// </summary>
internal static class PeerCredentialsReader
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Adds the peer's credentials to each connection (Linux; elsewhere a peer has none and is anonymous).</summary>
    public static ConnectionDelegate Read(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket && Of(socket) is { } peer)
        {
            connection.Features.Set(peer);
        }

        return next(connection);
    };

    /// <summary>The credentials of the process at the other end of <paramref name="socket"/>; null when they cannot be
    /// read (not Linux, not a Unix socket).</summary>
    public static PeerCredentials? Of(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.AddressFamily != AddressFamily.Unix)
        {
            return null;
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit values in the machine's order.
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != ucred.Length)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return new PeerCredentials(MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..]), MemoryMarshal.Read<uint>(ucred[8..]));
    }
}
