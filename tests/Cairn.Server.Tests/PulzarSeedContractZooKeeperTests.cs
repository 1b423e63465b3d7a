namespace Cairn.Server.Tests;

/// <summary><see cref="PulzarSeedContractTests"/> on the process's standalone ZooKeeper, under a root of its own.</summary>
public sealed class PulzarSeedContractZooKeeperTests : PulzarSeedContractTests
{
    protected override string Backend => "zookeeper";

    // The keyspace lives in memory on each node: there are no database pages to report.
    protected override long? PageSize => null;

    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        new Dictionary<string, string?>
        {
            ["Backend"] = "zookeeper",
            ["ZooKeeper:Connect"] = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString,
            ["ZooKeeper:Root"] = ZooKeeperBackend.NewRoot(),
            ["Backend:StartTimeout"] = "30",
        };
}
