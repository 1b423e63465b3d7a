using System.Net;
using System.Text;
using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>What the journal methods send and how they read answers, against a stub handler (no server).</summary>
public sealed class JournalWireTests
{
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        public List<string?> ContentTypes { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.Method + " " + request.RequestUri!.PathAndQuery);
            ContentTypes.Add(request.Content?.Headers.ContentType?.MediaType);
            return Task.FromResult(answer(request));
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) => new(status)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    private static (CairnClient Client, StubHandler Handler) Stub(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var handler = new StubHandler(answer);
        return (new CairnClient(new HttpClient(handler) { BaseAddress = new Uri("http://cairn.test") }), handler);
    }

    [Fact]
    public async Task List_SendsEveryFilterAsAQueryParameter()
    {
        var (client, handler) = Stub(_ => Json(HttpStatusCode.OK, """{"requests":[],"next":null}"""));

        await client.ListJournalAsync(new JournalListQuery
        {
            State = "in-progress",
            Step = "begin",
            User = "a b",
            Host = "h&x",
            Resource = "cookbook/todo",
            Verb = "get",
            From = new DateTimeOffset(2024, 5, 1, 14, 0, 0, TimeSpan.FromHours(2)),
            To = new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero),
            Stuck = TimeSpan.FromMinutes(10),
            After = "tx-1",
            Limit = 50,
        });
        await client.ListJournalAsync();

        Assert.Equal(
            "GET /v1/journal?state=in-progress&step=begin&user=a%20b&host=h%26x&resource=cookbook%2Ftodo&verb=get"
            + "&from=2024-05-01T12%3A00%3A00.0000000%2B00%3A00&to=2024-05-02T00%3A00%3A00.0000000%2B00%3A00&stuck=600s&after=tx-1&limit=50",
            handler.Requests[0]);
        Assert.Equal("GET /v1/journal", handler.Requests[1]);
    }

    [Fact]
    public async Task ListAll_FollowsNext_UntilTheLastPage()
    {
        var (client, handler) = Stub(request => request.RequestUri!.Query.Contains("after=b", StringComparison.Ordinal)
            ? Json(HttpStatusCode.OK, """{"requests":[{"txid":"c","state":"committed","steps":["begin","commit"],"first":"2024-05-01T00:00:00Z","last":"2024-05-01T00:00:01Z","fields":{},"revision":7}],"next":null}""")
            : Json(HttpStatusCode.OK, """{"requests":[{"txid":"a","state":"in-progress","steps":["begin"],"first":"2024-05-01T00:00:00Z","last":"2024-05-01T00:00:00Z","fields":{"userId":"u"},"revision":5},{"txid":"b","state":"unknown","steps":["x"],"first":"2024-05-01T00:00:00Z","last":"2024-05-01T00:00:00Z","fields":{},"revision":6}],"next":"b"}"""));

        var all = new List<string>();
        await foreach (var request in client.ListAllJournalAsync(new JournalListQuery { Limit = 2 }))
        {
            all.Add(request.Txid);
        }

        Assert.Equal(["a", "b", "c"], all);
        Assert.Equal(["GET /v1/journal?limit=2", "GET /v1/journal?after=b&limit=2"], handler.Requests);
    }

    [Fact]
    public async Task Append_PostsTheMessageAsJson_ToTheStepsPath()
    {
        var (client, handler) = Stub(_ => Json(HttpStatusCode.Created,
            """{"txid":"tx:1.a","step":"begin","at":"2024-05-01T00:00:00.123Z","revision":9,"node":"n1","source":"primary","created":true,"spooled":false}"""));

        var result = await client.AppendJournalAsync("tx:1.a", "begin", """{"a":1}""");

        Assert.Equal("POST /v1/journal/tx%3A1%2Ea/begin", handler.Requests.Single());
        Assert.Equal("application/json", handler.ContentTypes.Single());
        Assert.True(result.Created);
        Assert.Equal(9, result.Revision);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 0, 0, 0, 123, TimeSpan.Zero), result.At);
    }

    [Fact]
    public async Task GetAndStatus_AreNullOnA404_AndOtherProblemsThrow()
    {
        var (client, handler) = Stub(request => request.RequestUri!.AbsolutePath.EndsWith("/boom", StringComparison.Ordinal)
            ? Json(HttpStatusCode.ServiceUnavailable, """{"code":"unavailable","detail":"store down"}""")
            : Json(HttpStatusCode.NotFound, """{"code":"not_found","detail":"Request 'x' not found."}"""));

        Assert.Null(await client.GetJournalRequestAsync("x"));
        Assert.Null(await client.GetJournalStatusAsync("x"));
        await Assert.ThrowsAsync<UnavailableException>(() => client.GetJournalRequestAsync("boom"));
        Assert.Equal(["GET /v1/journal/x", "GET /v1/journal/x/status", "GET /v1/journal/boom"], handler.Requests);
    }

    [Fact]
    public async Task Status_ReadsTheMessageInline_AndNullForInProgress()
    {
        var (client, _) = Stub(request => request.RequestUri!.AbsolutePath.Contains("/done/", StringComparison.Ordinal)
            ? Json(HttpStatusCode.OK, """{"state":"committed","message":{"result":"ok"}}""")
            : Json(HttpStatusCode.OK, """{"state":"in-progress","message":null}"""));

        var done = await client.GetJournalStatusAsync("done");
        var running = await client.GetJournalStatusAsync("running");

        Assert.Equal("ok", done!.Message!.Value.GetProperty("result").GetString());
        Assert.Equal("in-progress", running!.State);
        Assert.Null(running.Message);
    }

    [Fact]
    public async Task Export_Posts_AndReadsTheReport()
    {
        var (client, handler) = Stub(_ => Json(HttpStatusCode.OK, """{"folded":3,"files":["/x/000001.csv.gz"],"removed":1}"""));

        var report = await client.ExportJournalAsync();

        Assert.Equal("POST /v1/admin/journal/export", handler.Requests.Single());
        Assert.Equal(3, report.Folded);
        Assert.Equal(["/x/000001.csv.gz"], report.Files);
        Assert.Equal(1, report.Removed);
    }

    [Fact]
    public async Task Watch_SkipsStepsAlreadyDelivered_AndResumesAfterTheLastRevision()
    {
        // The first stream delivers revisions 5 and 6 and ends (a dropped connection); the second replays 6 (which must
        // not be repeated) and delivers 8.
        static string Step(long revision, string name) =>
            $"id: {revision}\nevent: step\ndata: {{\"step\":\"{name}\",\"at\":\"2024-05-01T00:00:00Z\",\"revision\":{revision},\"node\":\"n\",\"source\":\"primary\",\"message\":{{}}}}\n\n";
        var streams = new Queue<string>([Step(5, "begin") + Step(6, "auth"), ": keepalive\n\n" + Step(6, "auth") + Step(8, "commit")]);
        var (client, handler) = Stub(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(streams.Count > 0 ? streams.Dequeue() : "", Encoding.UTF8, "text/event-stream"),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var seen = new List<long>();
        await foreach (var step in client.WatchJournalAsync("tx", fromRevision: 5, timeout.Token))
        {
            seen.Add(step.Revision);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([5L, 6, 8], seen);
        Assert.Equal(["GET /v1/journal/tx/events?fromRevision=5", "GET /v1/journal/tx/events?fromRevision=7"], handler.Requests);
    }

    [Fact]
    public async Task Watch_StopsWithTheServersError()
    {
        var (client, _) = Stub(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("event: error\ndata: {\"code\":\"compacted\",\"detail\":\"gone\",\"details\":{\"requestedRevision\":3,\"compactRevision\":10}}\n\n", Encoding.UTF8, "text/event-stream"),
        });

        var compacted = await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var _ in client.WatchJournalAsync("tx", fromRevision: 3))
            {
            }
        });

        Assert.Equal(10, compacted.CompactRevision);
    }
}
