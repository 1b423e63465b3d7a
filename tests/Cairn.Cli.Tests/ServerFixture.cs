using Cairn.Server;

namespace Cairn.Cli.Tests;

/// <summary>A real server in this process, listening on a loopback TCP port and a Unix socket, on a fresh data directory.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private CairnServer? _server;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "cairn-cli-" + Guid.NewGuid().ToString("N")[..8]);

    public CairnServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public string Tcp => Server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    public string Unix => Server.Addresses.Single(a => a.StartsWith("unix:", StringComparison.Ordinal));

    /// <summary>The endpoint of a transport: <c>tcp</c> or <c>unix</c>.</summary>
    public string Endpoint(string transport) => transport == "unix" ? Unix : Tcp;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        _server = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = DataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Listen:1"] = "unix:" + Path.Combine(DataDir, "c.sock"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(DataDir, recursive: true);
    }
}
