using Cairn.Testing;

namespace Cairn.ZooKeeper.Tests;

/// <summary>
/// A test against the test process's shared standalone ZooKeeper, under a root znode of its own (<see cref="Root"/>),
/// with the clients it connects disposed after it. Classes run in parallel; the server outlives them.
/// </summary>
public abstract class ZooKeeperTest : IAsyncLifetime
{
    /// <summary>How long a test waits for anything to happen: generous, for a loaded machine.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<ZooKeeperClient> _clients = [];
    private ZooKeeperEnsemble? _server;

    /// <summary>The test's own root znode, created before the test.</summary>
    protected string Root { get; } = "/test-" + Guid.NewGuid().ToString("N")[..12];

    protected ZooKeeperEnsemble Server => _server ?? throw new InvalidOperationException("Not initialised.");

    public virtual async Task InitializeAsync()
    {
        _server = await ZooKeeperEnsemble.SharedStandaloneAsync();
        var admin = await ConnectAsync();
        await admin.CreateAsync(Root, default);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>A client of the shared server (or of <paramref name="connectString"/>), disposed after the test.</summary>
    protected async Task<ZooKeeperClient> ConnectAsync(string? connectString = null, Func<ZooKeeperClientOptions, ZooKeeperClientOptions>? configure = null)
    {
        var options = new ZooKeeperClientOptions { ConnectString = connectString ?? Server.ConnectString, ConnectTimeout = Patience };
        var client = await ZooKeeperClient.ConnectAsync(configure is null ? options : configure(options));
        _clients.Add(client);
        return client;
    }

    protected static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    protected static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
