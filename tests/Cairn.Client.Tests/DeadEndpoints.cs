using System.Net;
using System.Net.Sockets;

namespace Cairn.Client.Tests;

/// <summary>Addresses where nobody listens.</summary>
public static class DeadEndpoints
{
    /// <summary>A loopback port that was just free: bound, then released.</summary>
    public static string Tcp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public static string Unix() => "unix:" + Path.Combine(Path.GetTempPath(), "cairn-none-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
}
