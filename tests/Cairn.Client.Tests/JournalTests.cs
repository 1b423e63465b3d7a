using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>The journal through the client, against a real server, over both transports. Each test uses its own
/// request ids and user, so that listings can be filtered down to what it wrote.</summary>
public sealed class JournalTests(FakeClockServerFixture fixture) : IClassFixture<FakeClockServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}";

    // The journal keeps times to the millisecond.
    private static DateTimeOffset Ms(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static string Message(string txid, string step, string user, string extra = "") =>
        $$"""{"request_id":"{{txid}}","step":"{{step}}","user_id":"{{user}}","host":"host1","resource":"cookbook/todo","verb":"get"{{extra}}}""";

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Append_CreatesTheStep_AndAgainKeepsTheFirstMessage(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var txid = Unique("tx");
        var user = Unique("u");

        var first = await client.AppendJournalAsync(txid, "begin", Message(txid, "begin", user, ""","n":1"""));
        var again = await client.AppendJournalAsync(txid, "begin", Message(txid, "begin", user, ""","n":2"""));
        var request = await client.GetJournalRequestAsync(txid);

        Assert.True(first.Created);
        Assert.False(first.Spooled);
        Assert.Equal(txid, first.Txid);
        Assert.Equal("begin", first.Step);
        Assert.Equal("primary", first.Source);
        Assert.True(first.Revision > 0);
        Assert.False(again.Created);
        Assert.Equal(first.Revision, again.Revision);
        Assert.Equal(Ms(first.At), Ms(again.At));
        var step = Assert.Single(request!.Steps);
        Assert.Equal(1, step.Message!.Value.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Get_ReturnsEveryStepInOrder_WithMessagesInline_AndTheFields()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var txid = Unique("tx");
        var user = Unique("u");
        var begin = await client.AppendJournalAsync(txid, "begin", Message(txid, "begin", user));
        var auth = await client.AppendJournalAsync(txid, "authorization", """{"granted":true}""");
        var commit = await client.AppendJournalAsync(txid, "commit", """{"result":"ok","items":[1,2,3]}""");

        var request = await client.GetJournalRequestAsync(txid);

        Assert.NotNull(request);
        Assert.Equal(txid, request.Txid);
        Assert.Equal("committed", request.State);
        Assert.Null(request.Segment);
        Assert.Equal(["begin", "authorization", "commit"], request.Steps.Select(s => s.Step));
        Assert.Equal([begin.Revision, auth.Revision, commit.Revision], request.Steps.Select(s => s.Revision));
        Assert.Equal(Ms(begin.At), request.First);
        Assert.Equal(Ms(commit.At), request.Last);
        Assert.Equal("ok", request.Steps[2].Message!.Value.GetProperty("result").GetString());
        Assert.Equal(3, request.Steps[2].Message!.Value.GetProperty("items").GetArrayLength());
        Assert.Equal(user, request.Fields.UserId);
        Assert.Equal("host1", request.Fields.Host);
        Assert.Equal("cookbook/todo", request.Fields.Resource);
        Assert.Equal("get", request.Fields.Verb);
        Assert.Equal(txid, request.Fields.RequestId);
    }

    [Fact]
    public async Task GetAndStatus_OfAnUnknownRequest_AreNull()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        Assert.Null(await client.GetJournalRequestAsync(Unique("never")));
        Assert.Null(await client.GetJournalStatusAsync(Unique("never")));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Status_IsInProgress_ThenCommittedWithTheCommitMessage_OrAbortedWithTheAbortMessage(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var committed = Unique("tx");
        var aborted = Unique("tx");
        await client.AppendJournalAsync(committed, "begin", "{}");
        await client.AppendJournalAsync(aborted, "begin", "{}");

        var inProgress = await client.GetJournalStatusAsync(committed);
        await client.AppendJournalAsync(committed, "commit", """{"result":"done"}""");
        await client.AppendJournalAsync(aborted, "abort", """{"reason":"denied"}""");
        var commit = await client.GetJournalStatusAsync(committed);
        var abort = await client.GetJournalStatusAsync(aborted);

        Assert.Equal("in-progress", inProgress!.State);
        Assert.True(inProgress.Message is null || inProgress.Message.Value.ValueKind == JsonValueKind.Null);
        Assert.Equal("committed", commit!.State);
        Assert.Equal("done", commit.Message!.Value.GetProperty("result").GetString());
        Assert.Equal("aborted", abort!.State);
        Assert.Equal("denied", abort.Message!.Value.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AnyJsonValue_IsAMessage()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var txid = Unique("tx");

        await client.AppendJournalAsync(txid, "begin", "42");
        await client.AppendJournalAsync(txid, "note", "\"text\"");
        await client.AppendJournalAsync(txid, "list", "[1,{\"a\":null}]");
        var request = await client.GetJournalRequestAsync(txid);

        Assert.Equal(["42", "\"text\"", "[1,{\"a\":null}]"], request!.Steps.Select(s => s.Message!.Value.GetRawText()));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("new\nline")]
    public async Task ABadTxid_IsInvalidArgument_BeforeAnyRequest(string txid)
    {
        // A dead endpoint: the check must not need the server.
        using var client = new CairnClient("http://127.0.0.1:1");

        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.AppendJournalAsync(txid, "begin", "{}"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.GetJournalRequestAsync(txid));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.GetJournalStatusAsync(txid));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.AppendJournalAsync("tx", txid, "{}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("{\"a\":1")]
    [InlineData("{} []")]
    public async Task ANonJsonMessage_IsInvalidArgument_BeforeAnyRequest(string message)
    {
        using var client = new CairnClient("http://127.0.0.1:1");

        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.AppendJournalAsync("tx", "begin", message));
    }

    [Fact]
    public async Task AMessageOverTheServersLimit_IsLimitExceeded_AndWritesNothing()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var txid = Unique("tx");
        var huge = Encoding.UTF8.GetBytes("\"" + new string('x', 17 * 1024 * 1024) + "\"");
        await client.AppendJournalAsync(Unique("warm"), "begin", "{}");

        await Assert.ThrowsAsync<LimitExceededException>(() => client.AppendJournalAsync(txid, "begin", huge));

        Assert.Null(await client.GetJournalRequestAsync(txid));
    }

    [Fact]
    public async Task List_FiltersByStateUserAndStep()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var user = Unique("u");
        var open = Unique("a");
        var done = Unique("b");
        var failed = Unique("c");
        foreach (var txid in new[] { open, done, failed })
        {
            await client.AppendJournalAsync(txid, "begin", Message(txid, "begin", user));
        }

        await client.AppendJournalAsync(done, "commit", "{}");
        await client.AppendJournalAsync(failed, "abort", "{}");
        await client.AppendJournalAsync(Unique("other"), "begin", Message("x", "begin", Unique("someone-else")));

        var mine = await client.ListJournalAsync(new JournalListQuery { User = user });
        var inProgress = await client.ListJournalAsync(new JournalListQuery { User = user, State = "in-progress" });
        var committed = await client.ListJournalAsync(new JournalListQuery { User = user, State = "committed" });
        var withAbort = await client.ListJournalAsync(new JournalListQuery { User = user, Step = "abort" });

        Assert.Equal(new[] { open, done, failed }.Order(StringComparer.Ordinal), mine.Requests.Select(r => r.Txid));
        Assert.Null(mine.Next);
        Assert.Equal(open, Assert.Single(inProgress.Requests).Txid);
        var c = Assert.Single(committed.Requests);
        Assert.Equal(done, c.Txid);
        Assert.Equal(["begin", "commit"], c.Steps);
        Assert.Equal(user, c.Fields.UserId);
        Assert.True(c.Revision > 0);
        Assert.Equal(failed, Assert.Single(withAbort.Requests).Txid);
    }

    [Fact]
    public async Task List_ByTimeRange_SeesOnlyRequestsBegunInIt()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var user = Unique("u");
        var before = Unique("tx");
        var first = await client.AppendJournalAsync(before, "begin", Message(before, "begin", user));
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(50));
        var after = Unique("tx");
        var second = await client.AppendJournalAsync(after, "begin", Message(after, "begin", user));

        var fromSecond = await client.ListJournalAsync(new JournalListQuery { User = user, From = Ms(second.At) });
        var toSecond = await client.ListJournalAsync(new JournalListQuery { User = user, To = Ms(second.At) });

        Assert.True(first.At < second.At);
        Assert.Equal(after, Assert.Single(fromSecond.Requests).Txid);
        Assert.Equal(before, Assert.Single(toSecond.Requests).Txid);
    }

    [Fact]
    public async Task List_PagesByRequestId_AndListAllFollowsEveryPage()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var user = Unique("u");
        var txids = Enumerable.Range(0, 5).Select(i => $"page-{user}-{i}").ToList();
        foreach (var txid in txids)
        {
            await client.AppendJournalAsync(txid, "begin", Message(txid, "begin", user));
        }

        var seen = new List<string>();
        var pages = 0;
        string? after = null;
        do
        {
            var page = await client.ListJournalAsync(new JournalListQuery { User = user, Limit = 2, After = after });
            Assert.True(page.Requests.Count <= 2);
            seen.AddRange(page.Requests.Select(r => r.Txid));
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 10);

        var all = new List<string>();
        await foreach (var request in client.ListAllJournalAsync(new JournalListQuery { User = user, Limit = 2 }))
        {
            all.Add(request.Txid);
        }

        Assert.Equal(txids, seen);
        Assert.InRange(pages, 3, 4);
        Assert.Equal(txids, all);
    }

    [Fact]
    public async Task Stuck_ListsRequestsBegunAndNotFinished_OlderThanTheAge()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var user = Unique("u");
        var stuck = Unique("stuck");
        var done = Unique("done");
        await client.AppendJournalAsync(stuck, "begin", Message(stuck, "begin", user));
        await client.AppendJournalAsync(done, "begin", Message(done, "begin", user));
        await client.AppendJournalAsync(done, "commit", "{}");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1.1));

        var oneSecond = await client.ListJournalAsync(new JournalListQuery { User = user, Stuck = TimeSpan.FromSeconds(1) });
        var oneHour = await client.ListJournalAsync(new JournalListQuery { User = user, Stuck = TimeSpan.FromHours(1) });

        Assert.Equal(stuck, Assert.Single(oneSecond.Requests).Txid);
        Assert.Empty(oneHour.Requests);
    }

    [Fact]
    public async Task Watch_FromARevision_ReplaysTheSteps_ThenDeliversNewOnes()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var txid = Unique("tx");
        var begin = await client.AppendJournalAsync(txid, "begin", """{"n":1}""");
        await client.AppendJournalAsync(Unique("other"), "begin", "{}");
        var auth = await client.AppendJournalAsync(txid, "authorization", """{"n":2}""");
        using var timeout = new CancellationTokenSource(Deadline);
        var seen = new List<JournalStepDto>();

        await foreach (var step in client.WatchJournalAsync(txid, begin.Revision, timeout.Token))
        {
            seen.Add(step);
            if (seen.Count == 2)
            {
                _ = await client.AppendJournalAsync(txid, "commit", """{"n":3}""");
            }

            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["begin", "authorization", "commit"], seen.Select(s => s.Step));
        Assert.Equal(begin.Revision, seen[0].Revision);
        Assert.Equal(auth.Revision, seen[1].Revision);
        Assert.Equal([1, 2, 3], seen.Select(s => s.Message!.Value.GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task Watch_FromNow_SeesStepsAppendedAfterItStarted()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var txid = Unique("tx");
        await client.AppendJournalAsync(txid, "begin", "{}");
        using var timeout = new CancellationTokenSource(Deadline);

        await using var steps = client.WatchJournalAsync(txid, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
        var next = steps.MoveNextAsync().AsTask();

        // The watch starts "now", at a moment this test cannot see: new steps are appended until it delivers one. That
        // one is one of them, with its own revision; the begin from before the watch is never delivered.
        var appended = new Dictionary<string, long>();
        for (var i = 0; !next.IsCompleted; i++)
        {
            timeout.Token.ThrowIfCancellationRequested();
            appended["step-" + i] = (await client.AppendJournalAsync(txid, "step-" + i, "{}")).Revision;
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None));
        }

        Assert.True(await next);
        Assert.True(appended.TryGetValue(steps.Current.Step, out var revision), $"The watch delivered '{steps.Current.Step}', which was appended before it started.");
        Assert.Equal(revision, steps.Current.Revision);
    }

    [Fact]
    public async Task Watch_ThatLosesItsConnection_ResumesWithoutLosingOrRepeatingSteps()
    {
        using var writer = new CairnClient(fixture.TcpEndpoint);
        await using var proxy = new TcpProxy(fixture.TcpEndpoint);
        using var watcher = new CairnClient(proxy.Endpoint);
        var txid = Unique("tx");
        var from = (await writer.ServerStatusAsync()).Revision + 1;
        using var timeout = new CancellationTokenSource(Deadline);
        var seen = new List<long>();
        var watching = Task.Run(async () =>
        {
            await foreach (var step in watcher.WatchJournalAsync(txid, from, timeout.Token))
            {
                lock (seen)
                {
                    seen.Add(step.Revision);
                }
            }
        });
        int Seen()
        {
            lock (seen)
            {
                return seen.Count;
            }
        }

        var written = new List<long> { (await writer.AppendJournalAsync(txid, "begin", "{}")).Revision };
        await Eventually.UntilAsync(() => Seen() == 1, Deadline, "the watch is established");
        for (var batch = 0; batch < 3; batch++)
        {
            await Eventually.UntilAsync(() => Seen() >= written.Count, Deadline, $"the watch has seen the {written.Count} steps so far");
            for (var i = 0; i < 8; i++)
            {
                if (i == 3)
                {
                    proxy.CutAll();
                }

                written.Add((await writer.AppendJournalAsync(txid, $"s{batch}-{i}", $"{{\"i\":{i}}}")).Revision);
            }
        }

        await Eventually.UntilAsync(() => Seen() >= written.Count, Deadline, $"the watch has seen all {written.Count} steps");
        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);

        Assert.True(proxy.Accepted >= 3, $"the watch reconnected after each cut (connections: {proxy.Accepted})");
        lock (seen)
        {
            Assert.Equal(written, seen);
        }
    }

    [Fact]
    public async Task Export_RunsOnePass_AndReportsIt()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        var report = await client.ExportJournalAsync();

        Assert.True(report.Folded >= 0);
        Assert.True(report.Removed >= 0);
        Assert.NotNull(report.Files);
    }
}
