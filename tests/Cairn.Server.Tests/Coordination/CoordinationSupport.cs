using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests.Coordination;

/// <summary>
/// A server with the coordination module and a <c>Runs:Listen</c> Unix socket serving the seed's runs API at its root.
/// Jobs are off: their workers hold watches of the server's own, which the tests that count watches would see.
/// </summary>
public class CoordinationServerFixture : ServerFixture
{
    public CoordinationServerFixture()
    {
        Settings["Jobs:Enabled"] = "false";
        Settings["Runs:Listen:0"] = "unix:" + RunsSocket;
    }

    /// <summary>The runs API's own listener.</summary>
    public string RunsSocket => Path.Combine(DataDir, "runs.sock");
}

/// <summary>Calls the coordination tests share. Every run, lock, pool … name is new per test, so tests can share a server.</summary>
internal static class Coord
{
    /// <summary>A deadline against a hang, not a measure of speed: generous for a loaded machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static string NewName(string what) => what + "-" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutJsonAsync(HttpClient http, string path, string json) =>
        http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Creates run <paramref name="id"/> with the walkthrough's topology (node1: 1, 2, 4; node2: 2).</summary>
    public static async Task<JsonElement> CreateRunAsync(HttpClient http, string id, string topology = """{"node1":[1,2,4],"node2":[2]}""") =>
        await JsonAsync(await PostJsonAsync(http, "/v1/runs", $$"""{"id":"{{id}}","topology":{{topology}}}"""), HttpStatusCode.Created);

    public static async Task<JsonElement> CompleteAsync(HttpClient http, string id, string node, int index, string current, string next) =>
        await JsonAsync(await PostJsonAsync(http, $"/v1/runs/{id}/nodes/{node}/{index}/complete", $$"""{"current":"{{current}}","next":"{{next}}"}"""), HttpStatusCode.OK);

    /// <summary>A lease (session) of <paramref name="ttl"/> seconds.</summary>
    public static async Task<long> LeaseAsync(HttpClient http, int ttl = 60) =>
        (await JsonAsync(await http.PostAsJsonAsync("/v1/leases", new { ttl }), HttpStatusCode.Created)).GetProperty("id").GetInt64();

    public static async Task<long> RevisionAsync(ServerFixture fixture) => (await fixture.Server.Store.StatusAsync()).Revision;

    /// <summary>Opens a WebSocket to <paramref name="path"/> on the TCP listener.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(ServerFixture fixture, string path)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new Uri(fixture.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + path);
        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Deadline);
        return socket;
    }

    /// <summary>The status a refused WebSocket upgrade was answered with (the socket never opened).</summary>
    public static async Task<HttpStatusCode> RefusedUpgradeAsync(ServerFixture fixture, string path)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new Uri(fixture.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + path);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Deadline));
        Assert.NotEqual(WebSocketState.Open, socket.State);
        return socket.HttpStatusCode;
    }

    /// <summary>The next text message, or null when the server closed the socket.</summary>
    public static async Task<string?> ReceiveTextAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Deadline);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    public static async Task<JsonElement> ReceiveJsonAsync(WebSocket socket) =>
        JsonDocument.Parse(await ReceiveTextAsync(socket) ?? throw new InvalidOperationException("The server closed the socket.")).RootElement.Clone();

    public static async Task CloseAsync(WebSocket socket)
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Deadline);
            }
            catch (WebSocketException)
            {
            }
        }

        socket.Dispose();
    }

    /// <summary>Reads SSE events until one of type <paramref name="type"/>; returns it.</summary>
    public static async Task<SseEvent> NextOfTypeAsync(SseStream stream, string type)
    {
        while (true)
        {
            var next = await stream.NextAsync();
            if (next.Type == type)
            {
                return next;
            }
        }
    }
}
