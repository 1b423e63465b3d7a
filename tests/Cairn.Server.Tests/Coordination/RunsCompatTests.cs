using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Cairn.Client;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// zookeeper-exp1's runs API as its clients use it: the walkthrough through its routes (create from the walkthrough's
/// EDN topology or the seed's module, state as text, completions as forms, an index's parameters), its two canned
/// answers, HEAD on its GET routes, and a <c>Runs:Listen</c> Unix socket serving it at its root and nothing else.
/// </summary>
public sealed class RunsCompatTests(CoordinationServerFixture fixture) : IClassFixture<CoordinationServerFixture>
{
    [Fact]
    public async Task TheWalkthrough_ThroughTheSeedsRoutes_MovesTheRunOnce_WhenTheLastIndexCompletes()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");

        // The walkthrough's topology, in the seed's own notation, as a form.
        using (var created = await http.PostAsync("/compat/runs/runs", new FormUrlEncodedContent([new("id", id), new("topology", """{"node1" [1 2 4] "node2" [2]}""")])))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal(id, await created.Content.ReadAsStringAsync());
        }

        Assert.Equal("init", await http.GetStringAsync($"/compat/runs/runs/{id}/state"));
        var moved = new List<string>();
        foreach (var (node, index) in new[] { ("node1", 1), ("node1", 2), ("node1", 4), ("node2", 2) })
        {
            using var completed = await http.PostAsync($"/compat/runs/runs/{id}/nodes/{node}/{index}", new FormUrlEncodedContent([new("current-state", "init"), new("next-state", "provisioning")]));
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
            moved.Add(await completed.Content.ReadAsStringAsync());
        }

        Assert.Equal(["false", "false", "false", "true"], moved);
        Assert.Equal("provisioning", await http.GetStringAsync($"/compat/runs/runs/{id}/state"));

        // A retried completion of the old state after the transition is refused, naming both states.
        using var retried = await http.PostAsync($"/compat/runs/runs/{id}/nodes/node2/2?current-state=init&next-state=provisioning", null);
        var problem = await Problems.AssertAsync(retried, HttpStatusCode.Conflict, "conflict");
        Assert.Contains("'provisioning'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/compat/runs/runs/{id}/state"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("provisioning".Length, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task ARunCreatedFromTheSeedsModule_HasItsMultiplicity_AndItsParameterDefaults()
    {
        using var http = fixture.TcpHttp();
        const string module = """{:nodes {"node1" {:params {"p1" {:default "default-value-p1" :desc "description for p1"}, "p3" {:desc "no default"}} :multiplicity 3}, "node2" {:params {"p4" {:default "v4"}} :multiplicity 2}}}""";
        using var created = await http.PostAsync("/compat/runs/runs", new FormUrlEncodedContent([new("module", module)]));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = await created.Content.ReadAsStringAsync();
        Assert.True(Guid.TryParse(id, out _), $"the seed named a run by a new UUID; got '{id}'");

        var run = await Coord.JsonAsync(await http.GetAsync($"/v1/runs/{id}"), HttpStatusCode.OK);
        Assert.Equal([1, 2, 3], run.GetProperty("topology").GetProperty("node1").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal([1, 2], run.GetProperty("topology").GetProperty("node2").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal("default-value-p1", await http.GetStringAsync($"/compat/runs/runs/{id}/nodes/node1/3/p1"));
        await Problems.AssertAsync(await http.GetAsync($"/compat/runs/runs/{id}/nodes/node1/3/p3"), HttpStatusCode.NotFound, "not_found");

        // An index's parameters: its node's defaults, then its own values.
        using (var set = await http.PutAsync($"/compat/runs/runs/{id}/nodes/node1/2/p2?value=own", null))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var parameters = await Coord.JsonAsync(await http.GetAsync($"/compat/runs/runs/{id}/nodes/node1/2"), HttpStatusCode.OK);
        Assert.Equal("""{"p1":"default-value-p1","p2":"own"}""", parameters.GetRawText());
    }

    [Fact]
    public async Task TheSeedsCannedAnswers_AreKept()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id);

        // A WebSocket-only route without an upgrade.
        using (var plain = await http.GetAsync($"/compat/runs/runs/{id}/p1"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
            Assert.Equal("application/text", plain.Content.Headers.ContentType?.MediaType);
            Assert.Equal(RunsCompatEndpointsText.NotWebSocket, await plain.Content.ReadAsStringAsync());
        }

        // Anything else, including a known path with another method.
        foreach (var (method, path) in new[]
        {
            ("GET", "/compat/runs/"), ("GET", "/compat/runs/toto"), ("GET", "/compat/runs/runs"), ("GET", $"/compat/runs/runs/{id}"),
            ("PUT", $"/compat/runs/runs/{id}/state"), ("POST", $"/compat/runs/runs/{id}/state"),
            ("DELETE", $"/compat/runs/runs/{id}/nodes/node1/1"), ("GET", $"/compat/runs/runs/{id}/nodes/node1/1/p1/more"), ("PATCH", "/compat/runs/runs"),
        })
        {
            using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal(RunsCompatEndpointsText.NoSuchPage, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task ARunsListener_ServesTheSeedsApiAtItsRoot_AndNothingElse()
    {
        using var http = fixture.TcpHttp();
        var id = Coord.NewName("run");
        await Coord.CreateRunAsync(http, id, """{"vm":[0]}""");
        Assert.Contains("unix:" + fixture.RunsSocket, fixture.Server.CompatAddresses("runs"));

        using var runs = ServerFixture.UnixHttpClient(fixture.RunsSocket);
        Assert.Equal("init", await runs.GetStringAsync($"/runs/{id}/state"));
        using (var other = await runs.GetAsync("/v1/status"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal(RunsCompatEndpointsText.NoSuchPage, await other.Content.ReadAsStringAsync());
        }

        // The seed's WebSocket client, on the socket.
        using var handler = new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(fixture.RunsSocket) };
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://localhost/runs/{id}/state"), invoker, CancellationToken.None).WaitAsync(Coord.Deadline);
        using (var completed = await runs.PostAsync($"/runs/{id}/nodes/vm/0", new FormUrlEncodedContent([new("current-state", "init"), new("next-state", "provisioning")])))
        {
            Assert.Equal("true", await completed.Content.ReadAsStringAsync());
        }

        var push = JsonDocument.Parse(await Coord.ReceiveTextAsync(socket) ?? "null").RootElement;
        Assert.Equal($"/runs/{id}/state", push.GetProperty("path").GetString());
        Assert.Equal("provisioning", push.GetProperty("value").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Coord.Deadline);

        // The prefixed mount is the one described; the root one is not.
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/compat/runs/runs/{id}/state\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"/v1/runs/{id}/events\"", openApi, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/runs/{id}/state\"", openApi, StringComparison.Ordinal);
    }
}

/// <summary>The seed's canned bodies, as the tests expect them.</summary>
internal static class RunsCompatEndpointsText
{
    public const string NotWebSocket = "Expected a websocket request.";
    public const string NoSuchPage = "No such page.";
}
