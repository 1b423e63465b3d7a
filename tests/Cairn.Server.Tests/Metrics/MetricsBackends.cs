using Xunit.Abstractions;

namespace Cairn.Server.Tests.Metrics;

// MetricsTests on each backend: a server of its own per test.

/// <summary>On the embedded SQLite store.</summary>
public sealed class MetricsSqliteTests(ITestOutputHelper output) : MetricsTests(output)
{
    protected override Task ConfigureBackendAsync(ServerFixture server) => Task.CompletedTask;
}

/// <summary>On the assembly's etcd, emptied first; the etcd collection's classes run one after another.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class MetricsEtcdTests(EtcdBackend etcd, ITestOutputHelper output) : MetricsTests(output)
{
    protected override async Task ConfigureBackendAsync(ServerFixture server)
    {
        await etcd.EmptyAsync();
        server.Settings["Backend"] = "etcd";
        server.Settings["Etcd:Endpoints"] = etcd.Endpoint;
        server.Settings["Backend:StartTimeout"] = "10";
    }
}
