using System.Net;
using System.Net.WebSockets;

namespace Cairn.Server.Tests;

/// <summary>
/// The caps that keep watchers from taking the server's file descriptors and memory: watch sockets get a quarter of
/// <c>Limits:MaxConnections</c>, and at most <c>Limits:MaxWatches</c> watches are open; past either, 503.
/// </summary>
public sealed class WatchLimitTests(WatchLimitTests.SmallCapsFixture fixture) : IClassFixture<WatchLimitTests.SmallCapsFixture>
{
    public sealed class SmallCapsFixture : ServerFixture
    {
        public SmallCapsFixture()
        {
            Settings["Limits:MaxConnections"] = "8"; // 6 HTTP connections, 2 watch sockets
            // The server holds watches of its own, the auth settings' (AccessControl) among them; one more than before
            // it followed them leaves the test the same room.
            Settings["Limits:MaxWatches"] = "4";

            // Idle job workers and the recurring scheduler each hold a watch of the server's own; with them the three
            // would be taken before the test opens one.
            Settings["Jobs:Enabled"] = "false";

            // Likewise the cart node's watches (carts waiting, claims, tombstones of its volume).
            Settings["Carts:Enabled"] = "false";
        }
    }

    [Fact]
    public async Task AWatchSocketPastItsShareOfTheConnections_Gets503_AndOneIsAcceptedOnceAnotherCloses()
    {
        var first = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        await using (var second = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint))
        {
            using var third = new ClientWebSocket();
            third.Options.CollectHttpResponseDetails = true;
            var uri = new Uri(fixture.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch");
            await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(uri, CancellationToken.None).WaitAsync(WatchSocketClient.Timeout));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, third.HttpStatusCode);
        }

        await first.DisposeAsync();
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await using var again = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
                    return true;
                }
                catch (WebSocketException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "a watch socket is accepted once the others closed");
    }

    [Fact]
    public async Task AWatchPastMaxWatches_Gets503_AndOneIsAcceptedOnceAnotherEnds()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var streams = new List<HttpResponseMessage>();
        try
        {
            // Every watch of the server (its own included) counts; open streams until one is refused.
            HttpResponseMessage? refused = null;
            for (var i = 0; i < 4 && refused is null; i++)
            {
                var response = await http.GetAsync("/v1/watch?key=limits/&prefix=true", HttpCompletionOption.ResponseHeadersRead);
                if (response.IsSuccessStatusCode)
                {
                    streams.Add(response);
                }
                else
                {
                    refused = response;
                }
            }

            Assert.NotNull(refused);
            var problem = await Problems.AssertAsync(refused, HttpStatusCode.ServiceUnavailable, "unavailable");
            Assert.Contains("Limits:MaxWatches", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }

        await Eventually.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync("/v1/watch?key=limits/&prefix=true", HttpCompletionOption.ResponseHeadersRead);
                return response.IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(30),
            "a watch is accepted once the others ended");
    }
}
