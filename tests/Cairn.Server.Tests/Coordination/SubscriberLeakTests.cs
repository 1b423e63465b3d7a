using System.Net;
using System.Net.WebSockets;
using System.Reflection;
using Cairn.Core;
using Cairn.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// A thousand subscribers (Server-Sent Events and WebSockets, native and the seed's, on runs, pools and elections) opened
/// and closed leave nothing behind: the server's count of open watches (the one <c>Limits:MaxWatches</c> caps) is back
/// where it was. The fixture is this class's alone, with nothing of the server's own watching.
/// </summary>
public sealed class SubscriberLeakTests(SubscriberLeakTests.WatchCountFixture fixture) : IClassFixture<SubscriberLeakTests.WatchCountFixture>
{
    private const int Rounds = 4;
    private const int PerRound = 250;

    public sealed class WatchCountFixture : CoordinationServerFixture
    {
        public WatchCountFixture() => Settings["Cluster:Enabled"] = "false";
    }

    [Fact]
    public async Task AThousandSubscribers_OpenedAndClosed_LeaveNoWatchBehind()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var run = Coord.NewName("run");
        await Coord.CreateRunAsync(http, run);
        var pool = Coord.NewName("pool");
        var election = Coord.NewName("election");
        var baseline = OpenWatches();

        string[] streams = [$"/v1/runs/{run}/events", $"/v1/pools/{pool}/events", $"/v1/elections/{election}/observe"];
        string[] sockets = [$"/v1/runs/{run}/events", $"/compat/runs/runs/{run}/state", $"/compat/runs/runs/{run}/nodes/node1/1/p1", $"/v1/pools/{pool}/events"];
        for (var round = 0; round < Rounds; round++)
        {
            var opening = Enumerable.Range(0, PerRound).Select(async i =>
            {
                if (i % 2 == 0)
                {
                    return (object)await SseStream.OpenAsync(http, streams[(i / 2) % streams.Length]);
                }

                return await Coord.ConnectAsync(fixture, sockets[(i / 2) % sockets.Length]);
            });
            var open = await Task.WhenAll(opening);
            await Eventually.UntilAsync(() => OpenWatches() >= baseline + PerRound, Coord.Deadline, $"the {PerRound} subscribers of round {round + 1} each hold a watch");

            // Half the sockets are closed by the client, the other half just dropped, as a crashed client would.
            var closing = open.Select(async (subscriber, i) =>
            {
                switch (subscriber)
                {
                    case SseStream sse:
                        sse.Dispose();
                        break;
                    case ClientWebSocket socket when i % 4 == 1:
                        await Coord.CloseAsync(socket);
                        break;
                    case ClientWebSocket socket:
                        socket.Abort();
                        socket.Dispose();
                        break;
                }
            });
            await Task.WhenAll(closing);
            await Eventually.UntilAsync(() => OpenWatches() == baseline, Coord.Deadline, $"every watch of round {round + 1} is given back (open: {OpenWatches()}, baseline {baseline})");
        }

        // The server still serves streams.
        using var after = await SseStream.OpenAsync(http, $"/v1/runs/{run}/events");
        await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{run}/params/p", """{"value":"still here"}"""), HttpStatusCode.OK);
        Assert.Equal("still here", (await Coord.NextOfTypeAsync(after, "parameter")).Data.GetProperty("value").GetString());
    }

    // The counter behind Limits:MaxWatches, read where it is kept: asking for watches until one is refused would itself
    // refuse the subscribers being counted.
    private int OpenWatches()
    {
        var store = Assert.IsType<LimitedKeyspace>(fixture.Server.Services.GetRequiredService<IKeyspace>());
        var counter = typeof(LimitedKeyspace).GetField("_watches", BindingFlags.NonPublic | BindingFlags.Instance);
        Assert.True(counter is not null, "LimitedKeyspace keeps its count of open watches in '_watches'; update this test if it moved.");
        return (int)counter.GetValue(store)!;
    }
}
