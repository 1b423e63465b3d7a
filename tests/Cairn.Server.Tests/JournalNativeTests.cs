using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary><c>/v1/journal</c> over real TCP and Unix-socket connections.</summary>
public sealed class JournalNativeTests(JournalServerFixture fixture) : IClassFixture<JournalServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    [Fact]
    public async Task Append_Returns201ThenExisting200_WithTheEntry()
    {
        var txid = JournalHttp.NewTxid("append");
        using var response = await JournalHttp.PostAsync(_http, $"/v1/journal/{txid}/begin", """{"user_id": "u1"}""");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/v1/journal/" + txid, response.Headers.Location?.OriginalString);
        Assert.Equal(txid, body.GetProperty("txid").GetString());
        Assert.Equal("begin", body.GetProperty("step").GetString());
        var revision = body.GetProperty("revision").GetInt64();
        Assert.True(revision > 0);
        Assert.Equal(revision.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Cairn-Revision").Single());
        Assert.Equal(fixture.Server.Options.NodeId, body.GetProperty("node").GetString());
        Assert.Equal("primary", body.GetProperty("source").GetString());
        Assert.True(body.GetProperty("created").GetBoolean());
        Assert.False(body.GetProperty("spooled").GetBoolean());
        var at = body.GetProperty("at").GetDateTimeOffset();
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var again = await JournalHttp.AppendAsync(_http, txid, "begin", """{"user_id": "u2"}""", HttpStatusCode.OK);
        Assert.False(again.GetProperty("created").GetBoolean());
        Assert.Equal(revision, again.GetProperty("revision").GetInt64());
        Assert.Equal(at, again.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Get_ReturnsEveryStep_WithMessagesInline_AndFields()
    {
        var txid = JournalHttp.NewTxid("get");
        var begin = await JournalHttp.AppendAsync(_http, txid, "begin", """{"user_id": "alice", "host": "h1", "resource": "cookbook/todo", "verb": "get", "role": null, "date": "2017-6-13 16:47:55", "resourcepk": 7}""");
        await JournalHttp.AppendAsync(_http, txid, "authorization", "[1, 2]");
        var commit = await JournalHttp.AppendAsync(_http, txid, "commit", """{"done": true}""");

        using var response = await _http.GetAsync("/v1/journal/" + txid);
        var request = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(long.Parse(response.Headers.GetValues("Cairn-Revision").Single(), System.Globalization.CultureInfo.InvariantCulture) >= commit.GetProperty("revision").GetInt64());
        Assert.Equal(txid, request.GetProperty("txid").GetString());
        Assert.Equal("committed", request.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, request.GetProperty("segment").ValueKind);
        Assert.Equal(begin.GetProperty("at").GetDateTimeOffset(), request.GetProperty("first").GetDateTimeOffset());
        Assert.Equal(commit.GetProperty("at").GetDateTimeOffset(), request.GetProperty("last").GetDateTimeOffset());
        var fields = request.GetProperty("fields");
        Assert.Equal("alice", fields.GetProperty("userId").GetString());
        Assert.Equal("h1", fields.GetProperty("host").GetString());
        Assert.Equal("7", fields.GetProperty("pk").GetString());
        Assert.Equal("2017-6-13 16:47:55", fields.GetProperty("date").GetString());
        Assert.False(fields.TryGetProperty("role", out _));
        Assert.False(fields.TryGetProperty("cm", out _));
        var steps = request.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["begin", "authorization", "commit"], steps.Select(s => s.GetProperty("step").GetString()));
        Assert.Equal(JsonValueKind.Array, steps[1].GetProperty("message").ValueKind);
        Assert.True(steps[2].GetProperty("message").GetProperty("done").GetBoolean());
        Assert.Equal(commit.GetProperty("revision").GetInt64(), steps[2].GetProperty("revision").GetInt64());
        Assert.All(steps, s => Assert.Equal("primary", s.GetProperty("source").GetString()));

        await Problems.AssertAsync(await _http.GetAsync("/v1/journal/" + JournalHttp.NewTxid("missing")), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Status_CommittedAbortedInProgress_AndNotFound()
    {
        var txid = JournalHttp.NewTxid("status");
        await JournalHttp.AppendAsync(_http, txid, "begin", "{}");
        var inProgress = JsonDocument.Parse(await _http.GetStringAsync($"/v1/journal/{txid}/status")).RootElement;
        Assert.Equal("in-progress", inProgress.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, inProgress.GetProperty("message").ValueKind);

        await JournalHttp.AppendAsync(_http, txid, "commit", """{"ok": 1}""");
        var committed = JsonDocument.Parse(await _http.GetStringAsync($"/v1/journal/{txid}/status")).RootElement;
        Assert.Equal("committed", committed.GetProperty("state").GetString());
        Assert.Equal(1, committed.GetProperty("message").GetProperty("ok").GetInt32());

        var aborted = JournalHttp.NewTxid("status-abort");
        await JournalHttp.AppendAsync(_http, aborted, "abort", "\"why\"");
        var abortStatus = JsonDocument.Parse(await _http.GetStringAsync($"/v1/journal/{aborted}/status")).RootElement;
        Assert.Equal("aborted", abortStatus.GetProperty("state").GetString());
        Assert.Equal("why", abortStatus.GetProperty("message").GetString());

        await Problems.AssertAsync(await _http.GetAsync($"/v1/journal/{JournalHttp.NewTxid("nope")}/status"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task List_FiltersAndPages()
    {
        var user = JournalHttp.NewTxid("pager");
        var txids = Enumerable.Range(0, 5).Select(i => $"{user}-{i}").ToList();
        foreach (var (txid, i) in txids.Select((t, i) => (t, i)))
        {
            await JournalHttp.AppendAsync(_http, txid, "begin", $$"""{"user_id": "{{user}}", "host": "host-{{i % 2}}", "verb": "{{(i == 4 ? "delete" : "get")}}", "resource": "r{{i}}"}""");
            if (i < 2)
            {
                await JournalHttp.AppendAsync(_http, txid, "commit", "{}");
            }
            else if (i == 2)
            {
                await JournalHttp.AppendAsync(_http, txid, "abort", "{}");
            }
        }

        // Pages of 2 follow the cursor to the end, in request-id order.
        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            using var response = await _http.GetAsync($"/v1/journal?user={user}&limit=2" + (after is null ? "" : "&after=" + after));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains("Cairn-Revision"));
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var requests = page.GetProperty("requests").EnumerateArray().ToList();
            Assert.InRange(requests.Count, 1, 2);
            seen.AddRange(requests.Select(r => r.GetProperty("txid").GetString()!));
            after = page.GetProperty("next").GetString();
            pages++;
        }
        while (after is not null);
        Assert.Equal(txids, seen);
        Assert.Equal(3, pages);

        async Task<List<string>> Query(string query) =>
            [.. JsonDocument.Parse(await _http.GetStringAsync($"/v1/journal?user={user}&{query}")).RootElement
                .GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("txid").GetString()!)];

        Assert.Equal(txids[..2], await Query("state=committed"));
        Assert.Equal([txids[2]], await Query("state=aborted"));
        Assert.Equal(txids[3..], await Query("state=in-progress"));
        Assert.Equal([txids[2]], await Query("step=abort"));
        Assert.Equal([txids[1], txids[3]], await Query("host=host-1"));
        Assert.Equal([txids[4]], await Query("verb=delete"));
        Assert.Equal([txids[3]], await Query("resource=r3"));
        Assert.Equal(txids, await Query("from=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"))));
        Assert.Empty(await Query("from=" + DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ")));
        Assert.Empty(await Query("to=2017-06-13T16:47:55Z"));
        Assert.Equal(txids, await Query("to=" + DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ss") + "%2B00:00"));

        var summary = JsonDocument.Parse(await _http.GetStringAsync($"/v1/journal?user={user}&limit=1")).RootElement.GetProperty("requests")[0];
        Assert.Equal(["begin", "commit"], summary.GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("committed", summary.GetProperty("state").GetString());
        Assert.Equal(user, summary.GetProperty("fields").GetProperty("userId").GetString());
        Assert.True(summary.GetProperty("revision").GetInt64() > 0);
        Assert.True(summary.TryGetProperty("first", out _) && summary.TryGetProperty("last", out _));
    }

    [Fact]
    public async Task Stuck_ListsInProgressRequestsOlderThanTheAge()
    {
        var user = JournalHttp.NewTxid("stuck");
        var open = user + "-open";
        var done = user + "-done";
        await JournalHttp.AppendAsync(_http, open, "begin", $$"""{"user_id": "{{user}}"}""");
        await JournalHttp.AppendAsync(_http, done, "begin", $$"""{"user_id": "{{user}}"}""");
        await JournalHttp.AppendAsync(_http, done, "commit", "{}");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1.1));

        async Task<List<string>> Stuck(string query) =>
            [.. JsonDocument.Parse(await _http.GetStringAsync("/v1/journal?" + query)).RootElement
                .GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("txid").GetString()!)];

        // With other filters, and alone (JournalService.StuckAsync), in every accepted spelling of an age.
        Assert.Equal([open], await Stuck($"user={user}&stuck=1s"));
        Assert.Equal([open], await Stuck($"user={user}&stuck=0.5"));
        Assert.Equal([open], await Stuck($"user={user}&stuck=900ms&state=in-progress"));
        Assert.Empty(await Stuck($"user={user}&stuck=10m"));
        Assert.Empty(await Stuck($"user={user}&stuck=2h"));
        Assert.Empty(await Stuck($"user={user}&stuck=1d"));
        Assert.Empty(await Stuck($"user={user}&stuck=60"));
        Assert.Contains(open, await Stuck("stuck=1s&limit=1000"));
        Assert.DoesNotContain(done, await Stuck("stuck=1s&limit=1000"));
        Assert.DoesNotContain(open, await Stuck("stuck=1d&limit=1000"));
        await Problems.AssertAsync(await _http.GetAsync("/v1/journal?stuck=1s&state=committed"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task Events_StreamTheRequestsSteps_AndResume(string transport)
    {
        using var http = transport == "unix" ? fixture.UnixHttp() : fixture.TcpHttp();
        var txid = JournalHttp.NewTxid("events");
        var other = JournalHttp.NewTxid("events-other");

        long r1;
        using (var watch = await SseStream.OpenAsync(http, $"/v1/journal/{txid}/events"))
        {
            r1 = (await JournalHttp.AppendAsync(http, txid, "begin", """{"a": 1}""")).GetProperty("revision").GetInt64();
            await JournalHttp.AppendAsync(http, other, "begin", "{}");
            await JournalHttp.AppendAsync(http, txid, "begin", """{"a": 2}""", HttpStatusCode.OK);
            var r2 = (await JournalHttp.AppendAsync(http, txid, "commit", "\"ok\"")).GetProperty("revision").GetInt64();

            var first = await watch.NextAsync();
            var second = await watch.NextAsync();

            Assert.Equal(("step", r1), (first.Type, first.Id!.Value));
            Assert.Equal("begin", first.Data.GetProperty("step").GetString());
            Assert.Equal(1, first.Data.GetProperty("message").GetProperty("a").GetInt32());
            Assert.Equal(r1, first.Data.GetProperty("revision").GetInt64());
            Assert.Equal("primary", first.Data.GetProperty("source").GetString());
            Assert.Equal(fixture.Server.Options.NodeId, first.Data.GetProperty("node").GetString());
            Assert.True(first.Data.TryGetProperty("at", out _));
            Assert.Equal(("step", r2, "commit"), (second.Type, second.Id!.Value, second.Data.GetProperty("step").GetString()));
            Assert.Equal("ok", second.Data.GetProperty("message").GetString());
        }

        // Resume after the first event (Last-Event-ID), and replay from a revision.
        using (var resumed = await SseStream.OpenAsync(http, $"/v1/journal/{txid}/events", lastEventId: r1.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            Assert.Equal(r1 + 1, resumed.Created.Data.GetProperty("startRevision").GetInt64());
            Assert.Equal("commit", (await resumed.NextAsync()).Data.GetProperty("step").GetString());
        }

        using var replay = await SseStream.OpenAsync(http, $"/v1/journal/{txid}/events?fromRevision={r1}");
        Assert.Equal(["begin", "commit"], new[] { await replay.NextAsync(), await replay.NextAsync() }.Select(e => e.Data.GetProperty("step").GetString()));
    }

    [Fact]
    public async Task OpenApi_DescribesTheJournalRoutes()
    {
        var openApi = await _http.GetStringAsync("/openapi/v1.json");

        foreach (var path in new[] { "/v1/journal", "/v1/journal/{txid}", "/v1/journal/{txid}/{step}", "/v1/journal/{txid}/status", "/v1/journal/{txid}/events", "/v1/admin/journal/export" })
        {
            Assert.Contains($"\"{path}\"", openApi);
        }
    }

    [Fact]
    public async Task Export_RunsOnePassNow()
    {
        using var response = await _http.PostAsync("/v1/admin/journal/export", null);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("folded").GetInt32() >= 0);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("files").ValueKind);
        Assert.True(body.GetProperty("removed").GetInt32() >= 0);
    }
}
