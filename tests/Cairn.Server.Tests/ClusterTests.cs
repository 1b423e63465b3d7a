using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>A single node on SQLite: its registration, its leadership, health, and backend selection at start-up.</summary>
public sealed class ClusterTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Node_RegistersItself_AndIsListedAsTheLeader()
    {
        using var http = fixture.TcpHttp();

        await Eventually.UntilAsync(() => fixture.Server.Services.GetRequiredService<Cairn.Coordination.ILeaderElection>().IsLeader, TimeSpan.FromSeconds(10), "the only node leads");
        var nodes = await http.GetFromJsonAsync<ClusterNodesDto>("/v1/cluster/nodes", WireJson.Options);

        var node = Assert.Single(nodes!.Nodes);
        Assert.Equal(fixture.Server.Options.NodeId, node.NodeId);
        Assert.Equal(node.NodeId, nodes.Leader);
        Assert.True(node.Leader);
        Assert.Contains(fixture.TcpEndpoint, node.Addresses);
        Assert.Contains(fixture.UnixEndpoint, node.Addresses);
        Assert.NotEqual(0, node.Lease);
    }

    [Fact]
    public void DefaultNodeId_IsHostPidAndASuffix()
    {
        Assert.StartsWith($"{Environment.MachineName}-{Environment.ProcessId}-", fixture.Server.Options.NodeId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_IsHealthy_WhenTheStoreAnswers()
    {
        using var http = fixture.TcpHttp();
        var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownBackend_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            // A directory of its own: start-up makes the data directory 0700 before it opens the backend.
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-startup-" + Guid.NewGuid().ToString("N")[..8]),
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Backend"] = "zookeper",
        }));

        Assert.Contains("Unknown backend 'zookeper'", error.Message);
        Assert.Contains("etcd", error.Message);
    }

    [Fact]
    public async Task EtcdWithoutEndpoints_IsAClearStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            // A directory of its own: start-up makes the data directory 0700 before it opens the backend.
            ["DataDir"] = Path.Combine(Path.GetTempPath(), "cairn-startup-" + Guid.NewGuid().ToString("N")[..8]),
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Backend"] = "etcd",
        }));

        Assert.Contains("Etcd:Endpoints", error.Message);
    }

    [Fact]
    public async Task UnreachableBackend_IsRetried_ThenAClearStartupErrorAfterTheStartTimeout()
    {
        var attempts = 0;
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<StartupException>(() => KeyspaceFactory.OpenWithRetryAsync(
            "etcd at http://127.0.0.1:1",
            _ =>
            {
                Interlocked.Increment(ref attempts);
                throw new UnavailableException("connection refused");
            },
            TimeSpan.FromSeconds(2),
            NullLogger.Instance,
            TimeProvider.System,
            CancellationToken.None));

        // Not before the start timeout; after it, within what a loaded machine may add (not, say, a retry forever).
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
        Assert.True(attempts >= 3, $"only {attempts} attempts");
        Assert.Contains("etcd at http://127.0.0.1:1", error.Message);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.Contains("connection refused", error.Message);
    }

    [Fact]
    public async Task BackendThatComesUpDuringTheStartTimeout_IsUsed()
    {
        var attempts = 0;
        var dir = Directory.CreateTempSubdirectory("cairn-flaky-").FullName;
        var store = await KeyspaceFactory.OpenWithRetryAsync(
            "flaky",
            async ct =>
            {
                if (Interlocked.Increment(ref attempts) < 3)
                {
                    throw new UnavailableException("not yet");
                }

                return await Cairn.Storage.Sqlite.SqliteKeyspace.OpenAsync(new Cairn.Storage.Sqlite.SqliteKeyspaceOptions { Path = Path.Combine(dir, "cairn.db") }, cancellationToken: ct);
            },
            TimeSpan.FromSeconds(10),
            NullLogger.Instance,
            TimeProvider.System,
            CancellationToken.None);

        Assert.Equal(3, attempts);
        await store.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }
}
