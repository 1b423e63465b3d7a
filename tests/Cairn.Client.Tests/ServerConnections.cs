using Cairn.Testing;

namespace Cairn.Client.Tests;

/// <summary>The connections a server has accepted and still holds open, as the kernel lists them (<c>ss</c>): those
/// on a TCP port, or on a Unix socket.</summary>
internal static class ServerConnections
{
    /// <summary>Open connections the server accepted on <paramref name="fixture"/>'s listener of
    /// <paramref name="transport"/> (<c>tcp</c>, <c>unix</c>).</summary>
    public static async Task<int> CountAsync(ServerFixture fixture, string transport)
    {
        if (transport == "unix")
        {
            // An accepted Unix connection shows the name its listening socket was bound at as its local address. Cairn
            // binds in a private directory beside the socket's path, then moves it there, so the name is under the
            // socket's directory (the fixture's own).
            var directory = Path.GetDirectoryName(fixture.UnixPath)! + "/";
            var lines = await SsAsync("-Hxn", "state", "established");
            return lines.Count(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, _, var local, ..] && local.StartsWith(directory, StringComparison.Ordinal));
        }

        var port = new Uri(fixture.TcpEndpoint).Port;
        return (await SsAsync("-Htn", "state", "established", "(", "sport", "=", $":{port}", ")")).Count;
    }

    private static async Task<List<string>> SsAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await TestProcesses.RunAsync("ss", args);
        Assert.True(exit == 0, $"ss {string.Join(' ', args)} exited {exit}: {stderr}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
