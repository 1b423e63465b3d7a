using System.Diagnostics;
using System.Net.WebSockets;

namespace Cairn.Server.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_EndsOpenSseAndWebSocketWatches_InsteadOfWaitingForThem()
    {
        var fixture = new ServerFixture();
        await fixture.InitializeAsync();
        using var http = fixture.TcpHttp();
        var sse = await http.GetAsync("/v1/watch?key=a&prefix=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.True(sse.IsSuccessStatusCode);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(fixture.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch"), CancellationToken.None);

        var stopwatch = Stopwatch.StartNew();
        await fixture.DisposeAsync().WaitAsync(TimeSpan.FromSeconds(20));

        // Kestrel would wait its whole shutdown timeout (30 s) for requests that never end by themselves.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.Elapsed}");
        var stream = await sse.Content.ReadAsStreamAsync();
        var rest = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("event: created", rest);
    }
}
