using System.Net;
using System.Net.Sockets;

namespace Cairn.Cli.Tests;

/// <summary>Failures that need no server: each is one <c>cairn:</c> line and exit 1.</summary>
public sealed class CliErrorTests
{
    private static string DeadTcp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    [Fact]
    public async Task AnUnreachableTcpEndpoint_FailsWithOneLine()
    {
        var run = await CliRun.RunAsync(["kv", "get", "k", "--endpoint", DeadTcp()]);

        Assert.Contains("Cannot reach the Cairn server", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingUnixSocket_FailsWithOneLine()
    {
        var run = await CliRun.RunAsync(["status", "--endpoint", "unix:/nonexistent/dir/c.sock"]);

        Assert.Contains("unix:/nonexistent/dir/c.sock", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-url")]
    [InlineData("ftp://x/")]
    [InlineData("unix:")]
    public async Task ABadEndpoint_FailsWithOneLine(string endpoint)
    {
        var run = await CliRun.RunAsync(["kv", "ls", "--endpoint", endpoint]);

        Assert.Contains("Endpoint '" + endpoint + "'", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kv")]
    [InlineData("bogus")]
    [InlineData("kv", "put")]
    [InlineData("kv", "ls", "--limit", "many")]
    [InlineData("compact", "soon")]
    public async Task AUsageError_FailsWithOneLine(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        run.AssertOneLineError();
    }

    [Fact]
    public async Task AMissingTxnFile_FailsWithOneLine()
    {
        var run = await CliRun.RunAsync(["txn", "/nonexistent/txn.json", "--endpoint", DeadTcp()]);

        Assert.Contains("txn.json", run.AssertOneLineError(), StringComparison.Ordinal);
    }
}
