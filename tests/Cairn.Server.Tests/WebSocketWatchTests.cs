using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>The watch WebSocket (<c>GET /v1/watch</c> with an upgrade): many watches, cancel, errors and keep-alives on one socket.</summary>
public sealed class WebSocketWatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    [Fact]
    public async Task OneSocket_CarriesTwoWatches_EachEventTaggedWithItsWatchId()
    {
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        var a = (await socket.CreateAsync(new { key = "ws/two/a/", prefix = true })).GetProperty("created");
        var b = (await socket.CreateAsync(new { watchId = 77, key = "ws/two/b/", prefix = true })).GetProperty("created");
        var aId = a.GetProperty("watchId").GetInt64();
        Assert.Equal(77, b.GetProperty("watchId").GetInt64());
        Assert.NotEqual(77, aId);
        Assert.Equal(a.GetProperty("revision").GetInt64() + 1, a.GetProperty("startRevision").GetInt64());

        var ra = await Http.PutAsync(_http, "ws/two/a/1", "x");
        var rb = await Http.PutAsync(_http, "ws/two/b/1", "y");

        var (forA, _) = await socket.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, aId));
        Assert.Equal(ra, forA.GetProperty("revision").GetInt64());
        Assert.Equal(["ws/two/a/1"], Http.Keys(forA));
        var (forB, before) = await socket.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, 77));
        Assert.Equal(rb, forB.GetProperty("revision").GetInt64());
        Assert.Equal(["ws/two/b/1"], Http.Keys(forB));
        Assert.DoesNotContain(before, m => m.TryGetProperty("events", out var e) && e.GetArrayLength() > 0);
    }

    [Fact]
    public async Task Cancel_StopsOneWatch_AndTheOtherGoesOn()
    {
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        await socket.CreateAsync(new { watchId = 1, key = "ws/cancel/a/", prefix = true });
        await socket.CreateAsync(new { watchId = 2, key = "ws/cancel/b/", prefix = true });

        await socket.SendAsync(new { cancel = new { watchId = 1 } });
        var (canceled, _) = await socket.ReceiveUntilAsync(m => m.TryGetProperty("canceled", out _));
        Assert.Equal(1, canceled.GetProperty("canceled").GetProperty("watchId").GetInt64());
        Assert.Equal("canceled", canceled.GetProperty("canceled").GetProperty("code").GetString());

        await Http.PutAsync(_http, "ws/cancel/a/1", "not delivered");
        var rb = await Http.PutAsync(_http, "ws/cancel/b/1", "delivered");
        var rb2 = await Http.PutAsync(_http, "ws/cancel/b/2", "delivered");

        var (last, before) = await socket.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, 2) && m.GetProperty("revision").GetInt64() == rb2);
        Assert.Contains(before, m => WatchSocketClient.IsEvents(m, 2) && m.GetProperty("revision").GetInt64() == rb);
        Assert.DoesNotContain(before, m => m.TryGetProperty("watchId", out var id) && id.GetInt64() == 1);
        Assert.Equal(["ws/cancel/b/2"], Http.Keys(last));
    }

    [Theory]
    [InlineData("not json", "invalid_argument")]
    [InlineData("{}", "invalid_argument")]
    [InlineData("[]", "invalid_argument")]
    [InlineData("{\"subscribe\":{\"key\":\"a\"}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"a\",\"colour\":\"red\"}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"a\"},\"cancel\":{\"watchId\":1}}", "invalid_argument")]
    [InlineData("{\"cancel\":{\"watchId\":424242}}", "invalid_argument")]
    [InlineData("{\"create\":{}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"\"}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"a\\u0000b\"}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"a\",\"prefix\":true,\"end\":\"b\"}}", "invalid_argument")]
    [InlineData("{\"create\":{\"key\":\"a\",\"fromRevision\":-4}}", "invalid_argument")]
    [InlineData("{\"create\":{\"watchId\":5,\"key\":\"a\"}}", "invalid_argument")] // 5 is taken by the existing watch
    public async Task InvalidMessage_GetsAnError_AndExistingWatchesKeepDelivering(string message, string code)
    {
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        var key = "ws/bad/" + Guid.NewGuid().ToString("N");
        await socket.CreateAsync(new { watchId = 5, key });

        await socket.SendTextAsync(message);
        var (answer, _) = await socket.ReceiveUntilAsync(m => m.TryGetProperty("error", out _) || m.TryGetProperty("created", out _));

        Assert.True(answer.TryGetProperty("error", out var error), $"expected an error for {message}, got {answer}");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("detail").GetString()));
        Problems.AssertReadable(error.GetProperty("detail").GetString()!);

        var revision = await Http.PutAsync(_http, key, "still watched");
        var (events, _) = await socket.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, 5));
        Assert.Equal(revision, events.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task KeepAlive_RenewsALease_AndAnUnknownLeaseIsAnError()
    {
        var grant = await _http.PostAsJsonAsync("/v1/leases", new { ttl = 60 });
        var lease = (await grant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);

        await socket.SendAsync(new { keepalive = new { lease } });
        var renewed = (await socket.ReceiveAsync()).GetProperty("keepalive");
        Assert.Equal(lease, renewed.GetProperty("id").GetInt64());
        Assert.Equal(60, renewed.GetProperty("ttl").GetInt64());
        Assert.Equal(60, renewed.GetProperty("remaining").GetInt64());

        await socket.SendAsync(new { keepalive = new { lease = 987654321 } });
        var error = (await socket.ReceiveAsync()).GetProperty("error");
        Assert.Equal("lease_not_found", error.GetProperty("code").GetString());
        Assert.Equal(404, error.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ClosingTheSocket_EndsItsWatchesCleanly_AndTheServerKeepsServing()
    {
        var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        await socket.CreateAsync(new { key = "ws/close/", prefix = true });
        await socket.CreateAsync(new { key = "ws/close/x" });

        await socket.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(WatchSocketClient.Timeout);
        Assert.Equal(WebSocketState.Closed, socket.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.Socket.CloseStatus);
        await socket.DisposeAsync();

        // A socket dropped without a close handshake also leaves the server serving.
        var dropped = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        await dropped.CreateAsync(new { key = "ws/close/", prefix = true });
        dropped.Socket.Abort();
        await dropped.DisposeAsync();

        await Http.PutAsync(_http, "ws/close/x", "after");
        await using var again = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        var created = await again.CreateAsync(new { watchId = 3, key = "ws/close/", prefix = true });
        Assert.True(created.TryGetProperty("created", out _));
        var revision = await Http.PutAsync(_http, "ws/close/y", "v");
        var (events, _) = await again.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, 3));
        Assert.Equal(revision, events.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task Create_WithoutAWatchId_PicksOneNotAlreadyChosenByTheClient()
    {
        await using var socket = await WatchSocketClient.ConnectAsync(fixture.TcpEndpoint);
        await socket.CreateAsync(new { watchId = 1, key = "ws/ids/a" });
        await socket.CreateAsync(new { watchId = 2, key = "ws/ids/b" });

        var created = await socket.CreateAsync(new { key = "ws/ids/c" });

        Assert.True(created.TryGetProperty("created", out var watch), $"expected created, got {created}");
        var id = watch.GetProperty("watchId").GetInt64();
        Assert.DoesNotContain(id, new long[] { 1, 2 });
        var revision = await Http.PutAsync(_http, "ws/ids/c", "v");
        var (events, _) = await socket.ReceiveUntilAsync(m => WatchSocketClient.IsEvents(m, id));
        Assert.Equal(revision, events.GetProperty("revision").GetInt64());
    }
}
