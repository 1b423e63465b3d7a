using System.Text.Json;
using Cairn.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn cluster nodes</c> against a real server.</summary>
public sealed class ClusterCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ClusterNodes_PrintsTheNodeAsLeader()
    {
        await Eventually.UntilAsync(() => fixture.Server.Services.GetRequiredService<Cairn.Coordination.ILeaderElection>().IsLeader, TimeSpan.FromSeconds(10), "the node leads");

        var run = await CliRun.RunAsync(["cluster", "nodes", "--endpoint", fixture.TcpEndpoint]);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NODE", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines[1..]);
        Assert.StartsWith(fixture.Server.Options.NodeId!, row, StringComparison.Ordinal);
        Assert.Contains("*", row, StringComparison.Ordinal);
        Assert.Contains(fixture.TcpEndpoint, row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterNodes_Json_Parses()
    {
        await Eventually.UntilAsync(() => fixture.Server.Services.GetRequiredService<Cairn.Coordination.ILeaderElection>().IsLeader, TimeSpan.FromSeconds(10), "the node leads");

        var run = await CliRun.RunAsync(["cluster", "nodes", "--json", "--endpoint", fixture.UnixEndpoint]);

        Assert.Equal(0, run.ExitCode);
        var nodes = JsonSerializer.Deserialize<ClusterNodesDto>(run.Out, WireJson.Options)!;
        Assert.Equal(fixture.Server.Options.NodeId, Assert.Single(nodes.Nodes).NodeId);
        Assert.Equal(fixture.Server.Options.NodeId, nodes.Leader);
    }
}
