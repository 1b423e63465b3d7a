namespace Cairn.Server.Tests;

// JournalInputTests on each backend: a server of its own per test.

/// <summary>On the embedded SQLite store.</summary>
public sealed class JournalInputSqliteTests : JournalInputTests
{
    protected override Task ConfigureBackendAsync(JournalServerFixture server) => Task.CompletedTask;
}

/// <summary>On the assembly's etcd, emptied before each test (so "nothing written" is exact); the etcd collection's
/// classes run one after another.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class JournalInputEtcdTests(EtcdBackend etcd) : JournalInputTests
{
    protected override async Task ConfigureBackendAsync(JournalServerFixture server)
    {
        await etcd.EmptyAsync();
        server.Settings["Backend"] = "etcd";
        server.Settings["Etcd:Endpoints"] = etcd.Endpoint;
        server.Settings["Backend:StartTimeout"] = "10";
    }
}

/// <summary>On the process's standalone ZooKeeper, under a root of its own per test.</summary>
public sealed class JournalInputZooKeeperTests : JournalInputTests
{
    protected override async Task ConfigureBackendAsync(JournalServerFixture server)
    {
        server.Settings["Backend"] = "zookeeper";
        server.Settings["ZooKeeper:Connect"] = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString;
        server.Settings["ZooKeeper:Root"] = ZooKeeperBackend.NewRoot();
        server.Settings["Backend:StartTimeout"] = "30";
    }
}
