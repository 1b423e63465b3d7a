using System.Net.Sockets;
using Cairn.Server;

namespace Cairn.Server.Tests;

/// <summary>A real server in this process, on a free loopback port and a Unix socket in a temporary directory.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "cairn-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CairnServer Server { get; private set; } = null!;

    public string TcpAddress => Server.Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));

    public string UnixPath => Server.Addresses.First(a => a.StartsWith("unix:", StringComparison.Ordinal))["unix:".Length..];

    public Dictionary<string, string?> Settings { get; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = DataDir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Listen:1"] = "unix:" + Path.Combine(DataDir, "cairn.sock"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        Server = await CairnServer.StartAsync([], settings);
    }

    public HttpClient Tcp() => new() { BaseAddress = new Uri(TcpAddress) };

    public HttpClient Unix() => UnixClient(UnixPath);

    public static HttpClient UnixClient(string path)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost") };
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }
}
