using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>
/// <see cref="ClusterBehaviour"/> on etcd: the shared keyspace on the assembly's etcd, emptied first; the outage on an
/// etcd of the test's own. And an unreachable etcd at start-up.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class EtcdClusterTests(EtcdBackend sharedEtcd) : ClusterBehaviour
{
    protected override string BackendName => "etcd";

    protected override async Task<IReadOnlyDictionary<string, string?>> SharedBackendAsync()
    {
        await sharedEtcd.EmptyAsync();
        return Settings(sharedEtcd.Endpoint);
    }

    protected override async Task<BackendOutage> OwnBackendAsync()
    {
        var etcd = Own(await EtcdBackend.StartDedicatedAsync());
        return new BackendOutage(Settings(etcd.Endpoint), etcd.StopAsync, () => etcd.StartAgainAsync());
    }

    private static Dictionary<string, string?> Settings(string endpoint) => new()
    {
        ["Backend"] = "etcd",
        ["Etcd:Endpoints"] = endpoint,
        ["Backend:StartTimeout"] = "10",
    };

    [Fact]
    public async Task UnreachableEtcd_IsAClearStartupErrorAfterTheStartTimeout()
    {
        var dir = NewDir();
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = "http://127.0.0.1:1",
            ["Backend:StartTimeout"] = "2",
        }));

        Assert.Contains("http://127.0.0.1:1", error.Message);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
    }
}
