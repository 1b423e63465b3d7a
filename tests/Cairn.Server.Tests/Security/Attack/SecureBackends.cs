namespace Cairn.Server.Tests.Security.Attack;

/// <summary>The settings that put a server on each backend of the matrix.</summary>
internal static class SecureBackends
{
    public static Task<IReadOnlyDictionary<string, string?>> SqliteAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());

    /// <summary>The assembly's etcd, emptied first: the caller's class must be in <see cref="EtcdBackend.Collection"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> EtcdAsync(EtcdBackend etcd)
    {
        await etcd.EmptyAsync();
        return new Dictionary<string, string?>
        {
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "30",
        };
    }

    /// <summary>The process's standalone ZooKeeper, under a new root.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> ZooKeeperAsync() =>
        new Dictionary<string, string?>
        {
            ["Backend"] = "zookeeper",
            ["ZooKeeper:Connect"] = (await ZooKeeperEnsemble.SharedStandaloneAsync()).ConnectString,
            ["ZooKeeper:Root"] = ZooKeeperBackend.NewRoot(),
            ["Backend:StartTimeout"] = "30",
        };
}
