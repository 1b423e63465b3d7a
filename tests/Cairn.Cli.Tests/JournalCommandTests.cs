using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn journal …</c> against a real server.</summary>
public sealed class JournalCommandTests(FakeClockServerFixture fixture) : IClassFixture<FakeClockServerFixture>
{
    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private Task<CliRun> Journal(string transport, params string[] args) => CliRun.RunAsync(["journal", .. args, "--endpoint", fixture.Endpoint(transport)]);

    private Task<CliRun> Framed(byte[] input, params string[] args) => CliRun.RunAsync(["journal", "append", "--framed", .. args, "--endpoint", fixture.UnixEndpoint], input);

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Append_PrintsCreated_ThenExists_AndStatusPrintsTheCommitMessage(string transport)
    {
        var txid = Unique("tx");

        var begin = await Journal(transport, "append", txid, "begin", Frames.Message(txid, "begin"));
        var again = await Journal(transport, "append", txid, "begin", "{\"second\":true}");
        var inProgress = await Journal(transport, "status", txid);
        var commit = await Journal(transport, "append", txid, "commit", "{\"result\":\"ok\"}");
        var committed = await Journal(transport, "status", txid);

        Assert.Equal(0, begin.ExitCode);
        Assert.Matches($"^created {txid}/begin rev [0-9]+$", begin.Out.TrimEnd());
        Assert.Matches($"^exists {txid}/begin rev [0-9]+$", again.Out.TrimEnd());
        Assert.Equal(begin.Out.Split(' ')[^1], again.Out.Split(' ')[^1]);
        Assert.Equal(["in-progress"], Lines(inProgress.Out));
        Assert.Equal(0, commit.ExitCode);
        Assert.Equal(0, committed.ExitCode);
        Assert.Equal(["committed", "{\"result\":\"ok\"}"], Lines(committed.Out));
        Assert.Equal("", committed.Error);
    }

    [Fact]
    public async Task Append_ReadsTheMessageFromStandardInput_WhenOmittedOrDash()
    {
        var txid = Unique("tx");

        var omitted = await CliRun.RunAsync(["journal", "append", txid, "begin", "--endpoint", fixture.TcpEndpoint], stdin: "{\"from\":\"stdin\"}\n");
        var dash = await CliRun.RunAsync(["journal", "append", txid, "abort", "-", "--endpoint", fixture.TcpEndpoint], stdin: "{\"why\":\"dash\"}");
        var status = await Journal("tcp", "status", txid, "--json");

        Assert.StartsWith("created ", omitted.Out, StringComparison.Ordinal);
        Assert.StartsWith("created ", dash.Out, StringComparison.Ordinal);
        var parsed = JsonSerializer.Deserialize<JournalStatusDto>(status.Out, WireJson.Options)!;
        Assert.Equal("aborted", parsed.State);
        Assert.Equal("dash", parsed.Message!.Value.GetProperty("why").GetString());
    }

    [Fact]
    public async Task Append_WithJson_PrintsTheResultObject()
    {
        var txid = Unique("tx");

        var run = await Journal("tcp", "append", txid, "begin", "{}", "--json");

        var result = JsonSerializer.Deserialize<JournalAppendResultDto>(run.Out, WireJson.Options)!;
        Assert.Equal(txid, result.Txid);
        Assert.Equal("begin", result.Step);
        Assert.True(result.Created);
        Assert.False(result.Spooled);
        Assert.True(result.Revision > 0);
    }

    [Fact]
    public async Task Status_OfAnUnknownRequest_IsOneLineAndExit1()
    {
        var txid = Unique("never");

        var status = await Journal("tcp", "status", txid);
        var show = await Journal("unix", "show", txid);

        Assert.Equal($"cairn: request '{txid}' not found", status.AssertOneLineError());
        Assert.Equal($"cairn: request '{txid}' not found", show.AssertOneLineError());
    }

    [Fact]
    public async Task Show_PrintsTheFieldsAndEveryStep_AndJsonIsTheDocument()
    {
        var txid = Unique("tx");
        await Journal("tcp", "append", txid, "begin", Frames.Message(txid, "begin", user: "alice"));
        await Journal("tcp", "append", txid, "commit", "{\"result\":\"ok\"}");

        var show = await Journal("tcp", "show", txid);
        var json = await Journal("tcp", "show", txid, "--json");

        Assert.Equal(0, show.ExitCode);
        Assert.Matches(@"state\s+committed", show.Out);
        Assert.Matches(@"user_id\s+alice", show.Out);
        Assert.Matches(@"resource\s+cookbook/todo", show.Out);
        var steps = Lines(show.Out).SkipWhile(l => !l.StartsWith("STEP", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, steps.Count);
        Assert.Matches(@"^begin\s+\d{4}-\d\d-\d\dT[0-9:.]+Z\s+\d+\s+\S+\s+primary\s+\{""user_id"":""alice""", steps[1]);
        Assert.Matches(@"^commit\s.*\{""result"":""ok""\}$", steps[2]);
        var document = JsonSerializer.Deserialize<JournalRequestDto>(json.Out, WireJson.Options)!;
        Assert.Equal(txid, document.Txid);
        Assert.Equal(["begin", "commit"], document.Steps.Select(s => s.Step));
        Assert.Equal("alice", document.Fields.UserId);
    }

    [Fact]
    public async Task Framed_AppendsEachFrame_AndPrintsOneLinePerEntry()
    {
        var a = Unique("fa");
        var b = Unique("fb");
        var input = Frames.Of(Frames.Message(a, "begin"), Frames.Message(b, "begin"), Frames.Message(a, "commit"));

        var first = await Framed(input);
        var second = await Framed(input);
        var json = await Framed(Frames.Of(Frames.Message(b, "abort")), "--json");
        var statusA = await Journal("tcp", "status", a);
        var statusB = await Journal("tcp", "status", b);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal("", first.Error);
        var lines = Lines(first.Out);
        Assert.Equal(3, lines.Length);
        Assert.Matches($"^created {a}/begin rev [0-9]+$", lines[0]);
        Assert.Matches($"^created {b}/begin rev [0-9]+$", lines[1]);
        Assert.Matches($"^created {a}/commit rev [0-9]+$", lines[2]);
        Assert.Equal(lines.Select(l => l.Replace("created ", "exists ", StringComparison.Ordinal)), Lines(second.Out));
        var result = JsonSerializer.Deserialize<JournalAppendResultDto>(json.Out, WireJson.Options)!;
        Assert.Equal("abort", result.Step);
        Assert.StartsWith("committed", statusA.Out, StringComparison.Ordinal);
        Assert.StartsWith("aborted", statusB.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task UnusualTxidsAndSteps_AndNaNMessages_RoundTrip_AsSent(string transport)
    {
        var txid = Unique("café @+ 1 #%?");
        var step = "authorisation ü";

        var begin = await Journal(transport, "append", txid, "begin", """{"pk": NaN, "x": [Infinity]}""");
        var middle = await Journal(transport, "append", txid, step, "1");
        var commit = await Journal(transport, "append", txid, "commit", "[-Infinity, NaN]");
        var status = await Journal(transport, "status", txid);
        var show = await Journal(transport, "show", txid);
        var json = await Journal(transport, "show", txid, "--json");

        Assert.Equal((0, 0, 0), (begin.ExitCode, middle.ExitCode, commit.ExitCode));
        Assert.Matches($"^created {System.Text.RegularExpressions.Regex.Escape(txid)}/begin rev [0-9]+$", begin.Out.TrimEnd());
        Assert.StartsWith($"created {txid}/{step} ", middle.Out, StringComparison.Ordinal);
        Assert.Equal(["committed", "[-Infinity, NaN]"], Lines(status.Out));
        Assert.Contains(txid, show.Out, StringComparison.Ordinal);
        Assert.Contains("""{"pk": NaN, "x": [Infinity]}""", show.Out, StringComparison.Ordinal);
        var request = JsonSerializer.Deserialize<JournalRequestDto>(json.Out, WireJson.Options)!;
        Assert.Equal(txid, request.Txid);
        Assert.Equal(["begin", step, "commit"], request.Steps.Select(s => s.Step));
        Assert.Equal("NaN", request.Fields.Pk);
        Assert.Equal("[-Infinity, NaN]", request.Steps[2].MessageText);
    }

    [Fact]
    public async Task Framed_TakesUnusualTxids_NaN_AndDeepMessages()
    {
        var txid = Unique("日本 @+");
        var deep = new string('[', JournalMessages.MaxDepth - 1) + "NaN" + new string(']', JournalMessages.MaxDepth - 1);
        var input = Frames.Of(
            $$"""{"request_id": "{{txid}}", "step": "begin", "ratio": NaN}""",
            $$"""{"request_id": "{{txid}}", "step": "commit", "deep": {{deep}}}""");

        var run = await Framed(input);
        var status = await Journal("unix", "status", txid);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(2, Lines(run.Out).Length);
        Assert.Equal(["committed", $$"""{"request_id": "{{txid}}", "step": "commit", "deep": {{deep}}}"""], Lines(status.Out));
    }

    [Theory]
    [InlineData("truncated-length")]
    [InlineData("truncated-body")]
    [InlineData("non-json")]
    [InlineData("no-step")]
    [InlineData("too-large")]
    public async Task Framed_StopsAtABadFrame_AfterWritingAndReportingTheOnesBeforeIt(string bad)
    {
        var a = Unique("ok");
        var b = Unique("ok");
        var tail = bad switch
        {
            "truncated-length" => Frames.Length(30)[..3],
            "truncated-body" => Frames.Concat(Frames.Length(30), "{\"request_id\""u8.ToArray()),
            "non-json" => Frames.Of("{not json"),
            "no-step" => Frames.Of("{\"request_id\":\"x\"}"),
            _ => Frames.Length(FramedJournalReader.DefaultMaxMessageBytes + 1),
        };
        var input = Frames.Concat(Frames.Of(Frames.Message(a, "begin"), Frames.Message(b, "begin")), tail);

        var run = await Framed(input);

        Assert.Equal(1, run.ExitCode);
        var lines = Lines(run.Out);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"created {a}/begin", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"created {b}/begin", lines[1], StringComparison.Ordinal);
        var error = Assert.Single(Lines(run.Error));
        Assert.StartsWith("cairn: frame 3: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await Journal("tcp", "status", a)).ExitCode);
        Assert.Equal(0, (await Journal("tcp", "status", b)).ExitCode);
    }

    [Fact]
    public async Task Ls_FiltersByUserAndState_AndPages()
    {
        var user = Unique("u");
        var txids = Enumerable.Range(0, 3).Select(i => $"ls-{user}-{i}").ToList();
        foreach (var txid in txids)
        {
            await Journal("tcp", "append", txid, "begin", Frames.Message(txid, "begin", user));
        }

        await Journal("tcp", "append", txids[1], "commit", "{}");

        var all = await Journal("tcp", "ls", "--user", user);
        var committed = await Journal("tcp", "ls", "--user", user, "--state", "committed");
        var page = await Journal("tcp", "ls", "--user", user, "--limit", "2");
        var everything = await Journal("unix", "ls", "--user", user, "--limit", "2", "--all", "--json");
        var rest = await Journal("tcp", "ls", "--user", user, "--after", txids[1]);

        var rows = Lines(all.Out);
        Assert.StartsWith("TXID", rows[0], StringComparison.Ordinal);
        Assert.Equal(txids, rows.Skip(1).Select(r => r.Split(' ')[0]));
        Assert.Contains("in-progress", rows[1], StringComparison.Ordinal);
        Assert.Contains(user, rows[1], StringComparison.Ordinal);
        Assert.Equal([txids[1]], Lines(committed.Out).Skip(1).Select(r => r.Split(' ')[0]));
        Assert.Equal(txids.Take(2), Lines(page.Out).Skip(1).Select(r => r.Split(' ')[0]));
        Assert.Contains($"--after {txids[1]}", page.Error, StringComparison.Ordinal);
        var listed = JsonSerializer.Deserialize<JournalListDto>(everything.Out, WireJson.Options)!;
        Assert.Equal(txids, listed.Requests.Select(r => r.Txid));
        Assert.Null(listed.Next);
        Assert.Equal([txids[2]], Lines(rest.Out).Skip(1).Select(r => r.Split(' ')[0]));
    }

    [Fact]
    public async Task Stuck_ListsBegunRequestsOlderThanTheAge()
    {
        var user = Unique("u");
        var stuck = Unique("stuck");
        var done = Unique("done");
        await Journal("tcp", "append", stuck, "begin", Frames.Message(stuck, "begin", user));
        await Journal("tcp", "append", done, "begin", Frames.Message(done, "begin", user));
        await Journal("tcp", "append", done, "commit", "{}");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1.1));

        var old = await Journal("tcp", "stuck", "--older-than", "1s", "--json", "--all");
        var young = await Journal("tcp", "stuck", "--older-than", "1h", "--json", "--all");

        var oldTxids = JsonSerializer.Deserialize<JournalListDto>(old.Out, WireJson.Options)!.Requests.Select(r => r.Txid).ToList();
        Assert.Contains(stuck, oldTxids);
        Assert.DoesNotContain(done, oldTxids);
        Assert.DoesNotContain(stuck, JsonSerializer.Deserialize<JournalListDto>(young.Out, WireJson.Options)!.Requests.Select(r => r.Txid));
    }

    [Fact]
    public async Task Export_PrintsWhatItDid()
    {
        var text = await Journal("tcp", "export");
        var json = await Journal("tcp", "export", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Matches("^folded [0-9]+ requests?, wrote [0-9]+ files?, removed [0-9]+ segments?", text.Out);
        Assert.NotNull(JsonSerializer.Deserialize<JournalExportDto>(json.Out, WireJson.Options));
    }

    [Fact]
    public async Task AMessageOverTheServersLimit_FailsWithOneLine()
    {
        var txid = Unique("tx");
        var huge = "\"" + new string('x', 17 * 1024 * 1024) + "\"";

        var run = await CliRun.RunAsync(["journal", "append", txid, "begin", "--endpoint", fixture.TcpEndpoint], stdin: huge);

        run.AssertOneLineError();
        Assert.Equal(1, (await Journal("tcp", "status", txid)).ExitCode);
    }
}
