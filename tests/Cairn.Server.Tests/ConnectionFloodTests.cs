using System.Net;
using System.Net.Sockets;

namespace Cairn.Server.Tests;

/// <summary>
/// A flood of idle connections against a real <c>cairn serve</c> whose open-file limit is 4,096: it used to run out of
/// file descriptors, print "Out of memory." and abort. With the connection cap under the open-file limit it closes
/// what is past the cap, stays up, and serves normal clients again once the flood ends.
/// </summary>
public sealed class ConnectionFloodTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cairn-flood-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task FiveThousandIdleConnections_AtA4096OpenFileLimit_NoCrash_AndClientsAreServedAfterwards()
    {
        Directory.CreateDirectory(_dataDir);
        using var server = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60), openFileLimit: 4096);
        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < 5000; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                flood.Add(socket);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.SocketPath), timeout.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // The listen queue is full for a moment: that connection is refused, which is fine.
                }
            }

            Assert.False(server.HasExited, $"cairn serve died during the flood; its output:{Environment.NewLine}{server.Output}");
        }
        finally
        {
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        using var http = ServerFixture.UnixHttpClient(server.SocketPath);
        http.Timeout = TimeSpan.FromSeconds(5);
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync("/v1/status")).StatusCode == HttpStatusCode.OK;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            $"a normal client is served after the flood; server output:{Environment.NewLine}{server.Output}");
        Assert.False(server.HasExited);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
