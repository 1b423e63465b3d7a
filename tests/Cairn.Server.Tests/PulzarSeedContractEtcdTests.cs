namespace Cairn.Server.Tests;

/// <summary><see cref="PulzarSeedContractTests"/> on the assembly's etcd, emptied before each server starts.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class PulzarSeedContractEtcdTests(EtcdBackend etcd) : PulzarSeedContractTests
{
    protected override string Backend => "etcd";

    // etcd's status reports no page size (its bbolt pages are not in the API).
    protected override long? PageSize => null;

    protected override async Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync()
    {
        await etcd.EmptyAsync();
        return new Dictionary<string, string?>
        {
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "10",
        };
    }
}
