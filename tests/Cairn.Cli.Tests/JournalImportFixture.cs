using Cairn.Testing;
using Cairn.Testing.Server;

namespace Cairn.Cli.Tests;

/// <summary>A Cairn server whose journal also listens on its own Unix socket, as the original's did, and the shared
/// standalone ZooKeeper the original deployments are written into (each test under a chroot of its own).</summary>
public sealed class JournalImportFixture : IAsyncLifetime
{
    public JournalImportFixture() => Server.Settings["Journal:Listen:0"] = "unix:" + JournalSocket;

    public ServerFixture Server { get; } = new();

    /// <summary>The journal's socket (the original's /tmp/journal.sock).</summary>
    public string JournalSocket => Path.Combine(Server.DataDir, "journal.sock");

    public ZooKeeperEnsemble ZooKeeper { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        ZooKeeper = await ZooKeeperEnsemble.SharedStandaloneAsync();
    }

    // The shared ZooKeeper is not this fixture's to stop.
    public Task DisposeAsync() => Server.DisposeAsync();
}
