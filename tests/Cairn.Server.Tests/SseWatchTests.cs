using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary><c>GET /v1/watch</c> as Server-Sent Events over real TCP and Unix-socket connections.</summary>
public sealed class SseWatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    [Fact]
    public async Task Watch_DeliversPutsAndDeletesInOrder_WithRevisionsAsEventIds()
    {
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/order/&prefix=true");
        var created = watch.Created;
        var start = created.Data.GetProperty("startRevision").GetInt64();
        Assert.Equal(created.Data.GetProperty("revision").GetInt64() + 1, start);

        var r1 = await Http.PutAsync(_http, "sse/order/a", "1");
        var r2 = await Http.PutAsync(_http, "sse/order/b", "2");
        await Http.PutAsync(_http, "sse/other", "not watched");
        var r3 = await Http.DeleteAsync(_http, "sse/order/a");

        var events = await watch.UntilRevisionAsync(r3);

        Assert.Equal([r1, r2, r3], events.Select(e => e.Id!.Value));
        Assert.Equal([r1, r2, r3], events.Select(e => e.Data.GetProperty("revision").GetInt64()));
        Assert.Equal(["put", "put", "delete"], events.Select(e => e.Data.GetProperty("events")[0].GetProperty("type").GetString()));
        Assert.Equal(["sse/order/a", "sse/order/b", "sse/order/a"], events.SelectMany(e => Http.Keys(e.Data)));
        var put = events[1].Data.GetProperty("events")[0].GetProperty("kv");
        Assert.Equal("2", Encoding.UTF8.GetString(put.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(r2, put.GetProperty("modRevision").GetInt64());
        Assert.False(events[0].Data.GetProperty("events")[0].TryGetProperty("prevKv", out _));
    }

    [Fact]
    public async Task Watch_OverTheUnixSocket_DeliversEvents()
    {
        using var unix = fixture.UnixHttp();
        using var watch = await SseStream.OpenAsync(unix, "/v1/watch?key=sse/unix");

        var revision = await Http.PutAsync(unix, "sse/unix", "over the socket");

        var events = await watch.NextEventsAsync();
        Assert.Equal(revision, events.Id);
        Assert.Equal(["sse/unix"], Http.Keys(events.Data));
    }

    [Fact]
    public async Task Watch_WithPrevKv_CarriesThePreviousValue()
    {
        await Http.PutAsync(_http, "sse/prev/k", "old");
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/prev/k&prevKv=true");

        await Http.PutAsync(_http, "sse/prev/k", "new");
        var deleted = await Http.DeleteAsync(_http, "sse/prev/k");
        var events = await watch.UntilRevisionAsync(deleted);

        var put = events[0].Data.GetProperty("events")[0];
        Assert.Equal("old", Encoding.UTF8.GetString(put.GetProperty("prevKv").GetProperty("value").GetBytesFromBase64()));
        var delete = events[1].Data.GetProperty("events")[0];
        Assert.Equal("delete", delete.GetProperty("type").GetString());
        Assert.Equal("new", Encoding.UTF8.GetString(delete.GetProperty("prevKv").GetProperty("value").GetBytesFromBase64()));
    }

    [Fact]
    public async Task Watch_DeliversTheWritesOfOneTxn_AsOneEvent()
    {
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/txn/&prefix=true");

        var txn = await _http.PostAsJsonAsync("/v1/txn", new
        {
            success = new object[] { new { put = new { key = "sse/txn/a", text = "1" } }, new { put = new { key = "sse/txn/b", text = "2" } } },
        });
        Assert.Equal(HttpStatusCode.OK, txn.StatusCode);
        var revision = (await txn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt64();

        var events = await watch.NextEventsAsync();
        Assert.Equal(revision, events.Id);
        Assert.Equal(["sse/txn/a", "sse/txn/b"], Http.Keys(events.Data));
    }

    [Fact]
    public async Task Watch_ResumedWithLastEventId_SeesEveryEventExactlyOnce()
    {
        var first = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/resume-id/&prefix=true");
        var keys = new List<string>();
        long last;
        using (first)
        {
            var r = 0L;
            for (var i = 1; i <= 3; i++)
            {
                r = await Http.PutAsync(_http, $"sse/resume-id/{i}", "v");
            }

            var seen = await first.UntilRevisionAsync(r);
            keys.AddRange(seen.SelectMany(e => Http.Keys(e.Data)));
            last = seen[^1].Id!.Value;
        }

        // Written while nobody is listening.
        for (var i = 4; i <= 6; i++)
        {
            await Http.PutAsync(_http, $"sse/resume-id/{i}", "v");
        }

        var second = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/resume-id/&prefix=true", lastEventId: last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var created = second.Created;
        using (second)
        {
            Assert.Equal(last + 1, created.Data.GetProperty("startRevision").GetInt64());
            var end = await Http.PutAsync(_http, "sse/resume-id/7", "v");
            keys.AddRange((await second.UntilRevisionAsync(end)).SelectMany(e => Http.Keys(e.Data)));
        }

        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"sse/resume-id/{i}"), keys);
    }

    [Fact]
    public async Task Watch_ResumedWithFromRevision_SeesEveryEventExactlyOnce()
    {
        var first = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/resume-rev/&prefix=true");
        var keys = new List<string>();
        long last;
        using (first)
        {
            var r = 0L;
            for (var i = 1; i <= 3; i++)
            {
                r = await Http.PutAsync(_http, $"sse/resume-rev/{i}", "v");
            }

            var seen = await first.UntilRevisionAsync(r);
            keys.AddRange(seen.SelectMany(e => Http.Keys(e.Data)));
            last = seen[^1].Id!.Value;
        }

        for (var i = 4; i <= 6; i++)
        {
            await Http.PutAsync(_http, $"sse/resume-rev/{i}", "v");
        }

        var second = await SseStream.OpenAsync(_http, $"/v1/watch?key=sse/resume-rev/&prefix=true&fromRevision={last + 1}");
        using (second)
        {
            var end = await Http.PutAsync(_http, "sse/resume-rev/7", "v");
            keys.AddRange((await second.UntilRevisionAsync(end)).SelectMany(e => Http.Keys(e.Data)));
        }

        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"sse/resume-rev/{i}"), keys);
    }

    [Fact]
    public async Task Watch_FromAnOldRevision_ReplaysHistory()
    {
        var first = await Http.PutAsync(_http, "sse/history/k", "1");
        await Http.PutAsync(_http, "sse/history/k", "2");
        var third = await Http.DeleteAsync(_http, "sse/history/k");

        using var watch = await SseStream.OpenAsync(_http, $"/v1/watch?key=sse/history/k&fromRevision={first}");
        var created = watch.Created;
        Assert.Equal(first, created.Data.GetProperty("startRevision").GetInt64());

        var events = await watch.UntilRevisionAsync(third);
        Assert.Equal(3, events.Count);
        Assert.Equal(["put", "put", "delete"], events.Select(e => e.Data.GetProperty("events")[0].GetProperty("type").GetString()));
        Assert.Equal(third, events[^1].Id);
    }

    [Fact]
    public async Task Watch_SendsProgressEvents_WhenIdle()
    {
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=sse/idle&progressSeconds=0.2");
        var created = watch.Created;

        var progress = await watch.NextAsync();

        Assert.Equal("progress", progress.Type);
        Assert.True(progress.Data.GetProperty("progress").GetBoolean());
        Assert.Empty(progress.Data.GetProperty("events").EnumerateArray());
        Assert.True(progress.Id >= created.Data.GetProperty("revision").GetInt64());
        Assert.Equal(progress.Id, progress.Data.GetProperty("revision").GetInt64());
        Assert.Equal("progress", (await watch.NextAsync()).Type);
    }

    [Theory]
    [InlineData("/v1/watch")]
    [InlineData("/v1/watch?key=")]
    [InlineData("/v1/watch?key=a&fromRevision=-1")]
    [InlineData("/v1/watch?key=a&fromRevision=abc")]
    [InlineData("/v1/watch?key=a&prefix=true&end=x")]
    [InlineData("/v1/watch?key=a&prefix=maybe")]
    [InlineData("/v1/watch?key=a&progressSeconds=-1")]
    [InlineData("/v1/watch?key=%FF")]
    [InlineData("/v1/watch?key=a&end=%C3")]
    public async Task Watch_Returns400Problem_ForBadInput(string url)
    {
        using var response = await SseStream.SendAsync(_http, url);

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "invalid_argument").WaitAsync(SseStream.Timeout);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public async Task Watch_Returns400Problem_ForABadLastEventId(string lastEventId)
    {
        using var response = await SseStream.SendAsync(_http, "/v1/watch?key=a", lastEventId);

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "invalid_argument").WaitAsync(SseStream.Timeout);
    }
}
