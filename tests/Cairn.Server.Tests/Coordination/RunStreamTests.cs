using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// A run's changes pushed to subscribers over real TCP: state changes to several WebSocket and SSE subscribers at once,
/// parameter changes in order with their revisions, and streams resumed from a revision with nothing lost or repeated.
/// </summary>
public sealed class RunStreamTests(CoordinationServerFixture fixture) : IClassFixture<CoordinationServerFixture>
{
    private static readonly (string Node, int Index)[] Indexes = [("node1", 1), ("node1", 2), ("node1", 4), ("node2", 2)];

    [Fact]
    public async Task CompletingEveryIndex_PushesTheNewState_ToEverySubscriberAtOnce()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        var compat = new List<ClientWebSocket>();
        var native = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                compat.Add(await Coord.ConnectAsync(fixture, $"/compat/runs/runs/{id}/state"));
                native.Add(await Coord.ConnectAsync(fixture, $"/v1/runs/{id}/events"));
            }

            using var sse = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events");

            // 3 of 4: not yet.
            foreach (var (node, index) in Indexes[..3])
            {
                var partial = await Coord.CompleteAsync(http, id, node, index, "init", "provisioning");
                Assert.False(partial.GetProperty("moved").GetBoolean());
                Assert.Equal("init", partial.GetProperty("run").GetProperty("state").GetString());
            }

            var last = await Coord.CompleteAsync(http, id, "node2", 2, "init", "provisioning");
            Assert.True(last.GetProperty("moved").GetBoolean());
            var run = last.GetProperty("run");
            Assert.Equal("provisioning", run.GetProperty("state").GetString());
            var revision = run.GetProperty("modRevision").GetInt64();

            // The barrier is re-armed for the new state: every index is pending again.
            Assert.Equal(4, run.GetProperty("pending").EnumerateObject().Sum(n => n.Value.GetArrayLength()));

            // The seed's clients get the seed's push, exactly.
            var pushes = await Task.WhenAll(compat.Select(Coord.ReceiveTextAsync));
            Assert.All(pushes, p => Assert.Equal($$"""{"path":"/runs/{{id}}/state","value":"provisioning"}""", p));

            foreach (var socket in native)
            {
                var seen = new List<JsonElement>();
                JsonElement message;
                do
                {
                    message = await Coord.ReceiveJsonAsync(socket);
                    seen.Add(message);
                }
                while (message.GetProperty("type").GetString() != "state");

                Assert.Equal(["barrier", "barrier", "barrier", "state"], seen.Select(m => m.GetProperty("type").GetString()));
                Assert.Equal("provisioning", message.GetProperty("state").GetString());
                Assert.Equal("init", message.GetProperty("previousState").GetString());
                Assert.Equal(revision, message.GetProperty("revision").GetInt64());
            }

            var state = await Coord.NextOfTypeAsync(sse, "state");
            Assert.Equal(revision, state.Id);
            Assert.Equal("provisioning", state.Data.GetProperty("state").GetString());
        }
        finally
        {
            foreach (var socket in compat.Concat(native))
            {
                await Coord.CloseAsync(socket);
            }
        }
    }

    [Fact]
    public async Task ASetParameter_IsPushed_ToTheSeedsWebSocketClients()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        var runLevel = await Coord.ConnectAsync(fixture, $"/compat/runs/runs/{id}/p0");
        var index = await Coord.ConnectAsync(fixture, $"/compat/runs/runs/{id}/nodes/node1/1/p1");
        var indexAll = await Coord.ConnectAsync(fixture, $"/compat/runs/runs/{id}/nodes/node1/1");
        try
        {
            // The older service's route: a run-level parameter, set through /v1.
            await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/p0", """{"value":"zero"}"""), HttpStatusCode.OK);
            Assert.Equal($$"""{"path":"/runs/{{id}}/p0","value":"zero"}""", await Coord.ReceiveTextAsync(runLevel));

            // web-client-set.py: PUT with a form value=…; another index's parameter is not pushed to this one.
            using (var other = await http.PutAsync($"/compat/runs/runs/{id}/nodes/node1/2/p1", new FormUrlEncodedContent([new("value", "elsewhere")])))
            {
                Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            }

            using (var set = await http.PutAsync($"/compat/runs/runs/{id}/nodes/node1/1/p1", new FormUrlEncodedContent([new("value", "5")])))
            {
                Assert.Equal(HttpStatusCode.OK, set.StatusCode);
                Assert.Equal("", await set.Content.ReadAsStringAsync());
            }

            var path = $"/runs/{id}/nodes/node1/1/params/p1";
            Assert.Equal($$"""{"path":"{{path}}","value":"5"}""", await Coord.ReceiveTextAsync(index));
            Assert.Equal($$"""{"path":"{{path}}","value":"5"}""", await Coord.ReceiveTextAsync(indexAll));

            // web-client-get.py reads it back as text.
            using var get = await http.GetAsync($"/compat/runs/runs/{id}/nodes/node1/1/p1");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("text/plain", get.Content.Headers.ContentType?.MediaType);
            Assert.Equal("5", await get.Content.ReadAsStringAsync());
        }
        finally
        {
            await Coord.CloseAsync(runLevel);
            await Coord.CloseAsync(index);
            await Coord.CloseAsync(indexAll);
        }
    }

    [Fact]
    public async Task AHundredRapidParameterWrites_AreAllSeen_InOrder_EachWithItsRevision()
    {
        using var http = fixture.TcpHttp();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        using var sse = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events");
        using var writer = fixture.TcpHttp();
        var revisions = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            var set = await Coord.JsonAsync(await Coord.PutJsonAsync(writer, $"/v1/runs/{id}/nodes/node1/4/params/progress", $$"""{"value":"{{i}}"}"""), HttpStatusCode.OK);
            revisions.Add(set.GetProperty("modRevision").GetInt64());
        }

        var seen = new List<SseEvent>();
        while (seen.Count < 100)
        {
            seen.Add(await Coord.NextOfTypeAsync(sse, "parameter"));
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), seen.Select(e => e.Data.GetProperty("value").GetString()));
        Assert.Equal(revisions, seen.Select(e => e.Id!.Value));
        Assert.Equal(revisions, seen.Select(e => e.Data.GetProperty("revision").GetInt64()));
        Assert.All(seen, e => Assert.Equal("node1", e.Data.GetProperty("node").GetString()));
        Assert.Equal("99", seen[^1].Data.GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("last-event-id")]
    [InlineData("from-revision")]
    [InlineData("websocket")]
    public async Task AResumedStream_MissesNothing_AndRepeatsNothing(string resume)
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        var first = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events");
        for (var i = 0; i < 10; i++)
        {
            await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/p", $$"""{"value":"{{i}}"}"""), HttpStatusCode.OK);
        }

        var before = new List<SseEvent>();
        for (var i = 0; i < 5; i++)
        {
            before.Add(await Coord.NextOfTypeAsync(first, "parameter"));
        }

        first.Dispose(); // the connection drops after five of the ten
        for (var i = 10; i < 20; i++)
        {
            await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/p", $$"""{"value":"{{i}}"}"""), HttpStatusCode.OK);
        }

        var lastSeen = before[^1].Id!.Value;
        var after = new List<(long Revision, string Value)>();
        if (resume == "websocket")
        {
            var socket = await Coord.ConnectAsync(fixture, $"/v1/runs/{id}/events?fromRevision={lastSeen + 1}");
            try
            {
                while (after.Count < 15)
                {
                    var message = await Coord.ReceiveJsonAsync(socket);
                    after.Add((message.GetProperty("revision").GetInt64(), message.GetProperty("value").GetString()!));
                }
            }
            finally
            {
                await Coord.CloseAsync(socket);
            }
        }
        else
        {
            using var again = resume == "last-event-id"
                ? await SseStream.OpenAsync(http, $"/v1/runs/{id}/events", lastEventId: lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : await SseStream.OpenAsync(http, $"/v1/runs/{id}/events?fromRevision={lastSeen + 1}");
            Assert.Equal(lastSeen + 1, again.Created.Data.GetProperty("startRevision").GetInt64());
            while (after.Count < 15)
            {
                var next = await again.NextAsync();
                Assert.Equal("parameter", next.Type);
                after.Add((next.Id!.Value, next.Data.GetProperty("value").GetString()!));
            }
        }

        Assert.Equal(Enumerable.Range(5, 15).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), after.Select(a => a.Value));
        Assert.True(after[0].Revision > lastSeen);
        Assert.Equal(after.Select(a => a.Revision).Order(), after.Select(a => a.Revision));
    }

    [Fact]
    public async Task DeletingARun_EndsItsStreams_WithADeletedEvent_AndClosesTheSeedsSockets()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        var compat = await Coord.ConnectAsync(fixture, $"/compat/runs/runs/{id}/state");
        var native = await Coord.ConnectAsync(fixture, $"/v1/runs/{id}/events");
        using var sse = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events");
        using (var deleted = await http.DeleteAsync($"/compat/runs/runs/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal("deleted", (await sse.NextAsync()).Type);
        await Assert.ThrowsAsync<InvalidOperationException>(sse.NextAsync); // the stream ended
        Assert.Equal("deleted", (await Coord.ReceiveJsonAsync(native)).GetProperty("type").GetString());
        Assert.Null(await Coord.ReceiveTextAsync(native));
        Assert.Null(await Coord.ReceiveTextAsync(compat));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, compat.CloseStatus);
        await Coord.CloseAsync(compat);
        await Coord.CloseAsync(native);
        await Problems.AssertAsync(await http.GetAsync($"/v1/runs/{id}"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AStreamResumedAfterTheRunWasDeleted_StillReplaysTheDeletion()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);
        using var first = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events");
        await Coord.JsonAsync(await Coord.PutJsonAsync(http, $"/v1/runs/{id}/params/p", """{"value":"1"}"""), HttpStatusCode.OK);
        var seen = await Coord.NextOfTypeAsync(first, "parameter");
        first.Dispose(); // the client loses its connection, and the run is deleted meanwhile
        using (var deleted = await http.DeleteAsync($"/v1/runs/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var again = await SseStream.OpenAsync(http, $"/v1/runs/{id}/events?fromRevision={seen.Id!.Value + 1}");
        Assert.Equal("deleted", (await again.NextAsync()).Type);
        await Problems.AssertAsync(await http.GetAsync($"/v1/runs/{id}/events"), HttpStatusCode.NotFound, "not_found");
    }
}
