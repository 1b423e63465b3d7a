using Cairn.Contracts;
using Microsoft.Extensions.Time.Testing;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>
/// The journal's contract, run on every backend: each test gets an empty store from the backend provider, a fresh
/// journal with a fake clock and its own secondary directory.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class JournalConformance(Backend backend) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-").FullName;
    private IKeyspace? _store;
    private JournalService? _journal;

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected JournalService Journal => _journal ?? throw new InvalidOperationException("Not initialized.");

    protected string Secondary => Path.Combine(_directory, "secondary");

    public async Task InitializeAsync()
    {
        _store = await backend.OpenEmptyAsync(_directory);
        Assert.Equal(0, await JournalKeyCountAsync(_store));
        _journal = NewJournal("node-1");
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Another journal ("node") on the same store and secondary.</summary>
    protected JournalService NewJournal(string node) =>
        new(Store, new JournalOptions { SecondaryDirectory = Secondary, Time = Time, NodeId = node });

    [Fact]
    public async Task Append_IsCreated_AndTheSameStepAgainKeepsTheFirstMessage()
    {
        var first = await Journal.AppendAsync("tx-1", "begin", Json("""{"user_id":"u1"}"""));
        Time.Advance(TimeSpan.FromSeconds(1));
        var again = await Journal.AppendAsync("tx-1", "begin", Json("""{"user_id":"u2"}"""));

        Assert.True(first.Created);
        Assert.False(first.Spooled);
        Assert.Equal(JournalSource.Primary, first.Entry.Source);
        Assert.True(first.Entry.Revision > 0);
        Assert.Equal(T0, first.Entry.At);
        Assert.Equal("node-1", first.Entry.Node);
        Assert.False(again.Created);
        Assert.Equal("""{"user_id":"u1"}""", Text(again.Entry.Message));
        Assert.Equal(first.Entry.Revision, again.Entry.Revision);
        Assert.Equal(T0, again.Entry.At);

        var request = await Journal.GetAsync("tx-1");
        Assert.NotNull(request);
        var step = Assert.Single(request.Steps);
        Assert.Equal(first.Entry with { Message = default }, step with { Message = default });
        Assert.Equal("""{"user_id":"u1"}""", Text(step.Message));
        Assert.Equal(1, (await StepKeyAsync(Store, "tx-1", "begin"))!.Version);
        Assert.Empty(FileNames(Secondary));
    }

    [Fact]
    public async Task ConcurrentAppendsOfOneStep_ExactlyOneIsCreated_AndEveryoneGetsTheWinnersMessage()
    {
        var nodes = new[] { Journal, NewJournal("node-2") };
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => nodes[i % 2].AppendAsync("tx-race", "begin", Json($$"""{"n":{{i}}}""")))));

        var winner = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(Text(winner.Entry.Message), Text(r.Entry.Message)));
        Assert.All(results, r => Assert.Equal(winner.Entry.Revision, r.Entry.Revision));
        Assert.All(results, r => Assert.False(r.Spooled));
        var request = await Journal.GetAsync("tx-race");
        Assert.Equal(Text(winner.Entry.Message), Text(Assert.Single(request!.Steps).Message));
        Assert.Equal(1, (await StepKeyAsync(Store, "tx-race", "begin"))!.Version);
    }

    [Fact]
    public async Task ConcurrentAppendsOfDifferentSteps_AllLand_AndTheSummaryListsEveryStep()
    {
        var steps = Enumerable.Range(0, 20).Select(i => $"step-{i:D2}").Append("begin").ToList();
        var nodes = new[] { Journal, NewJournal("node-2") };
        var results = await Task.WhenAll(steps.Select((step, i) =>
            Task.Run(() => nodes[i % 2].AppendAsync("tx-many", step, Json($$"""{"step":"{{step}}"}""")))));

        Assert.All(results, r => Assert.True(r.Created));
        var request = await Journal.GetAsync("tx-many");
        Assert.NotNull(request);
        Assert.Equal(steps.Order(StringComparer.Ordinal), request.Steps.Select(s => s.Step).Order(StringComparer.Ordinal));
        Assert.All(request.Steps, s => Assert.Equal($$"""{"step":"{{s.Step}}"}""", Text(s.Message)));
        Assert.Equal(JournalState.InProgress, request.State);

        var summary = Assert.Single((await Journal.ListAsync(new JournalQuery())).Requests);
        Assert.Equal("tx-many", summary.Txid);
        Assert.Equal(steps.Order(StringComparer.Ordinal), summary.Steps.Order(StringComparer.Ordinal));
        Assert.Equal(JournalState.InProgress, summary.State);

        // One revision per step: nothing was written twice.
        Assert.Equal(steps.Count, results.Select(r => r.Entry.Revision).Distinct().Count());
    }

    [Fact]
    public async Task Status_CommitWinsOverAbort_AbortOverBegin_AndMessagesComeBackVerbatim()
    {
        Assert.Equal(JournalState.Unknown, (await Journal.GetStatusAsync("tx-none")).State);
        Assert.Null(await Journal.GetAsync("tx-none"));

        await Journal.AppendAsync("tx-s", "begin", Json("""{"user_id":"u"}"""));
        var begun = await Journal.GetStatusAsync("tx-s");
        Assert.Equal(JournalState.InProgress, begun.State);
        Assert.True(begun.Message.IsEmpty);

        const string abort = """{ "reason" : "quota",   "n": [1, 2.50, "ü"] }""";
        await Journal.AppendAsync("tx-s", "abort", Json(abort));
        var aborted = await Journal.GetStatusAsync("tx-s");
        Assert.Equal(JournalState.Aborted, aborted.State);
        Assert.Equal(abort, Text(aborted.Message));

        const string commit = """[ "done" ,  {"rows": 3} ]""";
        await Journal.AppendAsync("tx-s", "commit", Json(commit));
        var committed = await Journal.GetStatusAsync("tx-s");
        Assert.Equal(JournalState.Committed, committed.State);
        Assert.Equal(commit, Text(committed.Message));

        // Order of arrival does not matter: a commit before an abort still wins.
        await Journal.AppendAsync("tx-c", "commit", Json("\"ok\""));
        await Journal.AppendAsync("tx-c", "abort", Json("\"late\""));
        Assert.Equal("\"ok\"", Text((await Journal.GetStatusAsync("tx-c")).Message));

        // Abort without begin is aborted; a request with only other steps is "not found" (unknown), as in the seed.
        await Journal.AppendAsync("tx-a", "abort", Json("null"));
        Assert.Equal(JournalState.Aborted, (await Journal.GetStatusAsync("tx-a")).State);
        Assert.Equal("null", Text((await Journal.GetStatusAsync("tx-a")).Message));
        await Journal.AppendAsync("tx-u", "authorization", Json("{}"));
        Assert.Equal(JournalState.Unknown, (await Journal.GetStatusAsync("tx-u")).State);
    }

    [Fact]
    public async Task Steps_AreOrderedByTime_NotByName()
    {
        string[] order = ["zeta", "begin", "alpha", "commit", "middle"];
        foreach (var step in order)
        {
            await Journal.AppendAsync("tx-o", step, Json("1"));
            Time.Advance(TimeSpan.FromMinutes(1));
        }

        var request = await Journal.GetAsync("tx-o");
        Assert.Equal(order, request!.Steps.Select(s => s.Step));
        Assert.Equal(order.Select((_, i) => T0 + TimeSpan.FromMinutes(i)), request.Steps.Select(s => s.At));
        Assert.Equal(T0, request.First);
        Assert.Equal(T0 + TimeSpan.FromMinutes(4), request.Last);
        var summary = Assert.Single((await Journal.ListAsync(new JournalQuery())).Requests);
        Assert.Equal(order, summary.Steps);
        Assert.Equal(T0, summary.First);
        Assert.Equal(T0 + TimeSpan.FromMinutes(4), summary.Last);
    }

    [Theory]
    [InlineData("""{"a":1}""")]
    [InlineData("{}")]
    [InlineData("""[1,"x",null,{"b":[]}]""")]
    [InlineData("[]")]
    [InlineData("\"just a string\"")]
    [InlineData("\"ünïcödé \\u00e9\"")]
    [InlineData("42")]
    [InlineData("-1.5e3")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task AnyJsonValue_IsAcceptedAsAMessage_AndReadBackVerbatim(string json)
    {
        var result = await Journal.AppendAsync("tx-j", "begin", Json(json));

        Assert.True(result.Created);
        Assert.Equal(json, Text(result.Entry.Message));
        Assert.Equal(json, Text(Assert.Single((await Journal.GetAsync("tx-j"))!.Steps).Message));
        await Journal.AppendAsync("tx-j", "commit", Json(json));
        Assert.Equal(json, Text((await Journal.GetStatusAsync("tx-j")).Message));
    }

    [Fact]
    public async Task Fields_AreQueryable_ByStateStepUserHostResourceVerbAndTime()
    {
        await AppendAt(TimeSpan.Zero, "r-01", "begin", """{"user_id":"alice","host":"h1","resource":"cookbook/todo","verb":"get"}""");
        await AppendAt(TimeSpan.FromMinutes(10), "r-01", "commit", """{"status":"ok"}""");
        await AppendAt(TimeSpan.FromHours(1), "r-02", "begin", """{"user_id":"bob","host":"h2","resource":"cookbook/todo","verb":"post"}""");
        await AppendAt(TimeSpan.FromHours(1.5), "r-02", "abort", "\"denied\"");
        await AppendAt(TimeSpan.FromHours(2), "r-03", "begin", """{"user_id":"carol","authuser_id":"alice","host":"h1","resource":"env/prod","verb":"GET"}""");
        await AppendAt(TimeSpan.FromHours(3), "r-04", "begin", """{"user_id":"bob","resource":"env/prod","verb":"delete"}""");
        await AppendAt(TimeSpan.FromHours(3.5), "r-04", "authorization", """{"host":"h2"}""");
        await AppendAt(TimeSpan.FromHours(4), "r-05", "authorization", "[]");

        await AssertQuery(new JournalQuery(), "r-01", "r-02", "r-03", "r-04", "r-05");
        await AssertQuery(new JournalQuery { State = JournalState.InProgress }, "r-03", "r-04");
        await AssertQuery(new JournalQuery { State = JournalState.Committed }, "r-01");
        await AssertQuery(new JournalQuery { State = JournalState.Aborted }, "r-02");
        await AssertQuery(new JournalQuery { State = JournalState.Unknown }, "r-05");
        await AssertQuery(new JournalQuery { Step = "authorization" }, "r-04", "r-05");
        await AssertQuery(new JournalQuery { Step = "commit" }, "r-01");
        await AssertQuery(new JournalQuery { Step = "nope" });
        await AssertQuery(new JournalQuery { User = "alice" }, "r-01", "r-03");
        await AssertQuery(new JournalQuery { User = "bob" }, "r-02", "r-04");
        await AssertQuery(new JournalQuery { Host = "h1" }, "r-01", "r-03");
        await AssertQuery(new JournalQuery { Host = "h2" }, "r-02", "r-04"); // r-04's host came with a later step
        await AssertQuery(new JournalQuery { Resource = "env/prod" }, "r-03", "r-04");
        await AssertQuery(new JournalQuery { Verb = "get" }, "r-01", "r-03");
        await AssertQuery(new JournalQuery { From = T0 + TimeSpan.FromHours(1), To = T0 + TimeSpan.FromHours(3) }, "r-02", "r-03");
        await AssertQuery(new JournalQuery { From = T0 + TimeSpan.FromHours(3) }, "r-04", "r-05");
        await AssertQuery(new JournalQuery { To = T0 + TimeSpan.FromHours(1) }, "r-01");
        await AssertQuery(new JournalQuery { State = JournalState.InProgress, Host = "h2" }, "r-04");
        await AssertQuery(new JournalQuery { User = "alice", Verb = "GET", State = JournalState.Committed }, "r-01");

        var r4 = Assert.Single((await Journal.ListAsync(new JournalQuery { Host = "h2", Step = "authorization" })).Requests);
        Assert.Equal("bob", r4.Fields.UserId);
        Assert.Equal("env/prod", r4.Fields.Resource);
        Assert.Equal(T0 + TimeSpan.FromHours(3), r4.First);
        Assert.Equal(T0 + TimeSpan.FromHours(3.5), r4.Last);
        Assert.Equal(["begin", "authorization"], r4.Steps);
    }

    [Fact]
    public async Task Paging_WithAfterAndNext_HasNoDuplicatesAndNoHoles()
    {
        var all = Enumerable.Range(0, 25).Select(i => $"p-{i:D3}").ToList();
        foreach (var (txid, i) in all.Select((t, i) => (t, i)).Reverse())
        {
            await Journal.AppendAsync(txid, i % 3 == 0 ? "commit" : "begin", Json("{}"));
        }

        Assert.Equal(all, await ReadAllPages(new JournalQuery { Limit = 7 }, expectedPages: 4));
        Assert.Equal(all, await ReadAllPages(new JournalQuery { Limit = 1 }, expectedPages: 25));
        Assert.Equal(all, await ReadAllPages(new JournalQuery { Limit = 25 }, expectedPages: 1));
        Assert.Equal(all, await ReadAllPages(new JournalQuery { Limit = JournalQuery.MaxLimit }, expectedPages: 1));
        var committed = all.Where((_, i) => i % 3 == 0).ToList();
        Assert.Equal(committed, await ReadAllPages(new JournalQuery { State = JournalState.Committed, Limit = 2 }, expectedPages: null));

        // A cursor that is not a request id still pages from where it sorts.
        var after = await Journal.ListAsync(new JournalQuery { After = "p-010a", Limit = 3 });
        Assert.Equal(["p-011", "p-012", "p-013"], after.Requests.Select(r => r.Txid));
        Assert.Equal("p-013", after.Next);

        // A request appended between pages, behind the cursor, does not shift the pages after it.
        var first = await Journal.ListAsync(new JournalQuery { Limit = 5 });
        await Journal.AppendAsync("p-000a", "begin", Json("{}"));
        var second = await Journal.ListAsync(new JournalQuery { Limit = 5, After = first.Next });
        Assert.Equal(all.Skip(5).Take(5), second.Requests.Select(r => r.Txid));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(JournalQuery.MaxLimit + 1)]
    public async Task List_RejectsALimitOutOfBounds(int limit)
    {
        await Journal.AppendAsync("tx-l", "begin", Json("{}"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.ListAsync(new JournalQuery { Limit = limit }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/b")]
    public async Task List_RejectsABadCursor(string after) =>
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.ListAsync(new JournalQuery { After = after }));

    [Fact]
    public async Task Stuck_IsBegunNotFinishedAndOlderThanTheAge()
    {
        await Journal.AppendAsync("s-old", "begin", Json("{}"));
        await Journal.AppendAsync("s-old2", "begin", Json("{}"));
        await Journal.AppendAsync("s-done", "begin", Json("{}"));
        await Journal.AppendAsync("s-auth", "authorization", Json("{}"));
        Time.Advance(TimeSpan.FromMinutes(10));
        await Journal.AppendAsync("s-done", "commit", Json("{}"));
        await Journal.AppendAsync("s-aborted", "begin", Json("{}"));
        await Journal.AppendAsync("s-aborted", "abort", Json("{}"));
        Time.Advance(TimeSpan.FromMinutes(110));
        await Journal.AppendAsync("s-new", "begin", Json("{}"));
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(["s-old", "s-old2"], (await Journal.StuckAsync(TimeSpan.FromHours(1))).Requests.Select(r => r.Txid));
        Assert.Equal(["s-new", "s-old", "s-old2"], (await Journal.StuckAsync(TimeSpan.Zero)).Requests.Select(r => r.Txid));
        Assert.Empty((await Journal.StuckAsync(TimeSpan.FromHours(3))).Requests);

        // A later step (not a finishing one) does not make an old request young.
        await Journal.AppendAsync("s-old", "authorization", Json("{}"));
        var page = await Journal.StuckAsync(TimeSpan.FromHours(1), limit: 1);
        Assert.Equal("s-old", Assert.Single(page.Requests).Txid);
        Assert.Equal("s-old", page.Next);
        var next = await Journal.StuckAsync(TimeSpan.FromHours(1), after: page.Next, limit: 1);
        Assert.Equal("s-old2", Assert.Single(next.Requests).Txid);
        Assert.Null(next.Next);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.StuckAsync(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Watch_SeesStepsAppendedAfterItStarts_FromARevision()
    {
        await Journal.AppendAsync("tx-w", "begin", Json("""{"n":0}"""));
        var from = (await Store.StatusAsync()).Revision + 1;
        using var cancel = new CancellationTokenSource(Deadline);
        var seen = new List<JournalEntry>();
        var watching = Task.Run(async () =>
        {
            await foreach (var entry in Journal.WatchAsync("tx-w", from, cancel.Token))
            {
                seen.Add(entry);
                if (entry.Step == "commit")
                {
                    return;
                }
            }
        });

        var authorization = await Journal.AppendAsync("tx-w", "authorization", Json("""{"n":1}"""));
        await Journal.AppendAsync("tx-other", "commit", Json("{}"));
        await Journal.AppendAsync("tx-w", "authorization", Json("""{"n":"again"}"""));
        var commit = await Journal.AppendAsync("tx-w", "commit", Json("""{"n":2}"""));
        await watching.WaitAsync(Deadline);

        Assert.Equal(["authorization", "commit"], seen.Select(e => e.Step));
        Assert.Equal([authorization.Entry.Revision, commit.Entry.Revision], seen.Select(e => e.Revision));
        Assert.Equal(["""{"n":1}""", """{"n":2}"""], seen.Select(e => Text(e.Message)));

        // From an earlier revision, history is replayed: the begin step too.
        using var replayCancel = new CancellationTokenSource(Deadline);
        var replayed = new List<string>();
        await foreach (var entry in Journal.WatchAsync("tx-w", from - 1, replayCancel.Token))
        {
            replayed.Add(entry.Step);
            if (entry.Step == "commit")
            {
                break;
            }
        }

        Assert.Equal(["begin", "authorization", "commit"], replayed);
    }

    // ---- bad input: a typed error, and nothing written anywhere ----

    public static TheoryData<byte[]> BadMessages => new()
    {
        Json(""),
        Json("   "),
        Json("not json"),
        Json("{"),
        Json("""{"a":1} trailing"""),
        Json("""{"a":1}{"b":2}"""),
        Json("[1,2"),
        Json("{'a':1}"),
        Json("// a comment\n{}"),
        Json("""{"a":1,}"""),
        Json("nan"),
        Json("-NaN"),
        Json("[NaN,]"),
        Json("1NaN"),
        Json("NaN1"),
        Json("[Infinity5]"),
        Json("{\"a\": -Infinity0}"),
        Json(new string('[', JournalMessages.MaxDepth + 1) + new string(']', JournalMessages.MaxDepth + 1)),
        new byte[] { 0x22, 0xFF, 0xFE, 0x22 }, // a string of invalid UTF-8
        new byte[] { 0xEF, 0xBB, 0xBF }, // a byte order mark and nothing else
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task AMessageThatIsNotOneJsonValue_IsInvalid_AndNothingIsWritten(byte[] message)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync("tx-bad", "begin", message));
        await AssertNothingWritten();
    }

    public static TheoryData<string> BadNames => new()
    {
        "",
        "/",
        "..",
        ".",
        "a/../b",
        "../etc/passwd",
        "a/b",
        "a\0b",
        "\0",
        "a\n",
        "\r",
        "\u001f",
        "a\u007f",
    };

    // Not theory data: xunit would carry a lone surrogate over as U+FFFD, a valid name.
    [Fact]
    public async Task ANameWithALoneSurrogate_IsInvalid_AndNothingIsWritten()
    {
        foreach (var name in new[] { "\ud800", "x\udc00y", "a\ud83d" })
        {
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync(name, "begin", Json("{}")));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync("tx-bad", name, Json("{}")));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.GetStatusAsync(name));
        }

        await AssertNothingWritten();
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task ABadTxid_IsInvalid_AndNothingIsWritten(string txid)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync(txid, "begin", Json("{}")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.GetStatusAsync(txid));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.GetAsync(txid));
        await AssertNothingWritten();
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task ABadStep_IsInvalid_AndNothingIsWritten(string step)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync("tx-bad", step, Json("{}")));
        await AssertNothingWritten();
    }

    [Fact]
    public async Task OverLongNames_AreInvalid_AndTheLongestAllowedAreFine()
    {
        var txid = new string('t', JournalNames.MaxTxidBytes);
        var step = new string('s', JournalNames.MaxStepBytes);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync(txid + "x", "begin", Json("{}")));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync("tx-1", step + "x", Json("{}")));
        var bytes = await Assert.ThrowsAsync<InvalidArgumentException>(() => Journal.AppendAsync(new string('é', (JournalNames.MaxTxidBytes / 2) + 1), "begin", Json("{}")));
        Assert.Contains("4098 bytes", bytes.Message, StringComparison.Ordinal);
        Assert.Contains("at most 4096", bytes.Message, StringComparison.Ordinal);
        await AssertNothingWritten();

        Assert.True((await Journal.AppendAsync(txid, step, Json("{}"))).Created);
        Assert.Equal(step, Assert.Single((await Journal.GetAsync(txid))!.Steps).Step);
    }

    [Fact]
    public async Task AMessageOver16MiB_ExceedsTheLimit_AndNothingIsWritten()
    {
        var message = Json("{\"payload\":\"" + new string('x', 16 * 1024 * 1024) + "\"}");
        var error = await Assert.ThrowsAsync<LimitExceededException>(() => Journal.AppendAsync("tx-big", "begin", message));
        Assert.Contains("message", error.Message, StringComparison.OrdinalIgnoreCase);
        await AssertNothingWritten();
    }

    private async Task AssertNothingWritten()
    {
        Assert.Equal(0, await JournalKeyCountAsync(Store));
        Assert.Empty(FileNames(Secondary));
    }

    private async Task AppendAt(TimeSpan offset, string txid, string step, string json)
    {
        Time.SetUtcNow(T0 + offset);
        Assert.True((await Journal.AppendAsync(txid, step, Json(json))).Created);
    }

    private async Task AssertQuery(JournalQuery query, params string[] expected)
    {
        var page = await Journal.ListAsync(query);
        Assert.Equal(expected, page.Requests.Select(r => r.Txid));
        Assert.Null(page.Next);
    }

    private async Task<List<string>> ReadAllPages(JournalQuery query, int? expectedPages)
    {
        var seen = new List<string>();
        var pages = 0;
        string? after = null;
        do
        {
            var page = await Journal.ListAsync(query with { After = after });
            Assert.True(page.Requests.Count <= query.Limit);
            seen.AddRange(page.Requests.Select(r => r.Txid));
            after = page.Next;
            pages++;
            Assert.True(pages <= 1000, "paging does not end");
        }
        while (after is not null);

        if (expectedPages is { } n)
        {
            Assert.Equal(n, pages);
        }

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        return seen;
    }
}
