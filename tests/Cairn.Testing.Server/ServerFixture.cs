using Cairn.Client;
using Cairn.Server;

namespace Cairn.Testing.Server;

/// <summary>
/// A real server in this process, on a free loopback TCP port and a Unix socket, over a fresh data directory that is
/// removed afterwards. Fsync is off (a test machine's crash is not the point); the crash test runs its own process.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private CairnServer? _server;

    public ServerFixture()
        : this(null)
    {
    }

    /// <summary>A server on <paramref name="time"/> (null: the real clock).</summary>
    protected ServerFixture(TimeProvider? time) => Time = time;

    /// <summary>The server's clock; null for the real one.</summary>
    public TimeProvider? Time { get; }

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "cairn-test-" + Guid.NewGuid().ToString("N")[..12]);

    public CairnServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Settings added before start (override to change defaults).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string TcpEndpoint => Server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    /// <summary><c>unix:/path/to.sock</c>.</summary>
    public string UnixEndpoint => Server.Addresses.Single(a => a.StartsWith("unix:", StringComparison.Ordinal));

    public string UnixPath => UnixEndpoint["unix:".Length..];

    /// <summary>The endpoint of a transport: <c>tcp</c> or <c>unix</c>.</summary>
    public string Endpoint(string transport) => transport == "unix" ? UnixEndpoint : TcpEndpoint;

    public HttpClient TcpHttp() => new() { BaseAddress = new Uri(TcpEndpoint) };

    public HttpClient UnixHttp() => UnixHttpClient(UnixPath);

    /// <summary>An HttpClient whose every connection goes to the Unix socket at <paramref name="path"/>.</summary>
    public static HttpClient UnixHttpClient(string path)
    {
        var handler = new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(path) };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost") };
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        var settings = new Dictionary<string, string?>
        {
            ["DataDir"] = DataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Listen:1"] = "unix:" + Path.Combine(DataDir, "c.sock"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _server = await CairnServer.StartAsync([], settings, Time);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
