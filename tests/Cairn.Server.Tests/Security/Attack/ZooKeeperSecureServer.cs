namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on the process's standalone ZooKeeper, under a root of its own.</summary>
public sealed class ZooKeeperSecureServer() : SecureServer(null)
{
    public override string Backend => "zookeeper";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.ZooKeeperAsync();
}
