using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Journal.Tests;

/// <summary>
/// What the archiver promises, on any store: finished requests (only those, and only once old enough) move into
/// history and still answer; each step is exported in exactly one numbered file, whatever crashes when; old exported
/// history goes away; and every transaction stays inside etcd's limits.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class ArchiveBehaviour(Backend backend) : IAsyncLifetime
{
    private const string Header = "transaction_id,request_id,step,host,resource,verb,pk,date,user_id,authuser_id,role,cm,payload";
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private IKeyspace _store = null!;

    /// <summary>A scratch directory for this test, removed after it.</summary>
    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cairn-archive-").FullName;

    private string ExportDirectory => Path.Combine(WorkDirectory, "export");

    public async Task InitializeAsync() =>
        _store = await backend.OpenEmptyAsync(Directory.CreateDirectory(Path.Combine(WorkDirectory, "store")).FullName);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
    }

    [Fact]
    public async Task InProgressAndUnknownRequests_AreNeverFolded_HoweverOld()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-open", "begin", Message("tx-open", "begin"));
        await journal.AppendAsync("tx-odd", "authorization", Message("tx-odd", "authorization"));
        _time.Advance(TimeSpan.FromDays(400));

        var report = await Archiver(journal).RunOnceAsync();

        Assert.Equal(0, report.Folded);
        Assert.Empty(report.Files);
        var open = await journal.GetAsync("tx-open");
        Assert.NotNull(open);
        Assert.Equal((JournalState.InProgress, (long?)null), (open.State, open.Segment));
        Assert.All(open.Steps, s => Assert.Equal(JournalSource.Primary, s.Source));
        Assert.Contains((await journal.StuckAsync(TimeSpan.FromHours(1))).Requests, r => r.Txid == "tx-open");
        Assert.NotNull(await journal.GetAsync("tx-odd"));
        Assert.Null((await journal.GetAsync("tx-odd"))!.Segment);
    }

    [Fact]
    public async Task FinishedRequest_IsFolded_OnlyOnceItsLastStepIsOlderThanFoldAge()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-1", "begin", Message("tx-1", "begin"));
        _time.Advance(TimeSpan.FromMinutes(30));
        await journal.AppendAsync("tx-1", "commit", Message("tx-1", "commit"));
        _time.Advance(TimeSpan.FromMinutes(59));

        var young = await Archiver(journal).RunOnceAsync();
        _time.Advance(TimeSpan.FromMinutes(2));
        var old = await Archiver(journal).RunOnceAsync();

        Assert.Equal(0, young.Folded);
        Assert.Empty(young.Files);
        Assert.Equal(1, old.Folded);
        Assert.Equal([Path.Combine(ExportDirectory, "journal-000000000001.csv.gz")], old.Files);
        Assert.Equal(1, (await journal.GetAsync("tx-1"))!.Segment);
    }

    [Fact]
    public async Task FoldedRequests_StillAnswerStatusAndGet_FromHistory_WithTheirOriginalEntries()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-c", "begin", Message("tx-c", "begin"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await journal.AppendAsync("tx-c", "authorization", Message("tx-c", "authorization"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await journal.AppendAsync("tx-c", "commit", Message("tx-c", "commit", ""","payload":{"ok":true}"""));
        await journal.AppendAsync("tx-a", "begin", Message("tx-a", "begin"));
        await journal.AppendAsync("tx-a", "abort", Message("tx-a", "abort", ""","payload":"denied" """));
        var before = await journal.GetAsync("tx-c");
        _time.Advance(TimeSpan.FromHours(2));

        var report = await Archiver(journal).RunOnceAsync();

        Assert.Equal(2, report.Folded);
        var after = await journal.GetAsync("tx-c");
        Assert.NotNull(after);
        Assert.Equal((JournalState.Committed, (long?)1), (after.State, after.Segment));
        Assert.Equal("user1", after.Fields.UserId);
        Assert.Equal(
            before!.Steps.Select(s => (s.Step, s.At, s.Node, s.Revision, Encoding.UTF8.GetString(s.Message.Span))),
            after.Steps.Select(s => (s.Step, s.At, s.Node, s.Revision, Encoding.UTF8.GetString(s.Message.Span))));
        Assert.All(after.Steps, s => Assert.Equal(JournalSource.History, s.Source));

        var committed = await journal.GetStatusAsync("tx-c");
        Assert.Equal(JournalState.Committed, committed.State);
        Assert.Equal(Encoding.UTF8.GetString(Message("tx-c", "commit", ""","payload":{"ok":true}""")), Encoding.UTF8.GetString(committed.Message.Span));
        var cheap = await JournalHistory.ReadArchivedStatusAsync(_store, "tx-c", CancellationToken.None);
        Assert.Equal(JournalState.Committed, cheap!.State);
        Assert.Equal(committed.Message.ToArray(), cheap.Message.ToArray());
        Assert.Null(await JournalHistory.ReadArchivedStatusAsync(_store, "tx-none", CancellationToken.None));
        var aborted = await journal.GetStatusAsync("tx-a");
        Assert.Equal(JournalState.Aborted, aborted.State);
        Assert.Contains("denied", Encoding.UTF8.GetString(aborted.Message.Span), StringComparison.Ordinal);

        // Nothing of them is left in the live part of the journal.
        foreach (var prefix in new[] { JournalKeys.Steps, JournalKeys.Requests, JournalKeys.Open })
        {
            Assert.Empty((await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)))).Kvs);
        }

        Assert.Empty((await journal.ListAsync(new JournalQuery())).Requests);
    }

    [Fact]
    public async Task ArchivedRequest_KeepsItsStep_OnALateDuplicate_AndRefusesANewStep()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-1", "begin", Message("tx-1", "begin"));
        await journal.AppendAsync("tx-1", "commit", Message("tx-1", "commit"));
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();

        var duplicate = await journal.AppendAsync("tx-1", "commit", Encoding.UTF8.GetBytes("""{"late":true}"""));
        var error = await Assert.ThrowsAsync<ConflictException>(() => journal.AppendAsync("tx-1", "cleanup", Message("tx-1", "cleanup")));

        Assert.False(duplicate.Created);
        Assert.Equal(JournalSource.History, duplicate.Entry.Source);
        Assert.Equal(Message("tx-1", "commit"), duplicate.Entry.Message.ToArray());
        Assert.Contains("tx-1", error.Message, StringComparison.Ordinal);
        var request = await journal.GetAsync("tx-1");
        Assert.Equal(["begin", "commit"], request!.Steps.Select(s => s.Step));
        Assert.Empty((await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Steps)))).Kvs);
    }

    [Fact]
    public async Task ExportFile_IsTheExactCsv_QuotedOnlyWhereNeeded_WithDeterministicGzip()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-a", "begin", Encoding.UTF8.GetBytes(
            """{"transaction_id":"T-1","request_id":"R-1","host":"h1","resource":"cookbook/todo","verb":"get","pk":7,"date":"2017-6-13 16:47:55","user_id":"u1","authuser_id":"u2","role":"admin","cm":"CM-1","payload":{"a":[1,2],"b":"x"}}"""));
        _time.Advance(TimeSpan.FromSeconds(1));
        await journal.AppendAsync("tx-a", "commit", Encoding.UTF8.GetBytes(
            """{"host":"a,b","resource":"say \"hi\"","cm":"line1\nline2","payload":"plain text"}"""));
        _time.Advance(TimeSpan.FromSeconds(1));
        await journal.AppendAsync("tx-b", "abort", Encoding.UTF8.GetBytes("""{"payload":null,"user_id":"=cmd|' /C calc'!A0"}"""));
        _time.Advance(TimeSpan.FromSeconds(1));
        await journal.AppendAsync("tx-c", "commit", Encoding.UTF8.GetBytes("[1,2]"));
        _time.Advance(TimeSpan.FromHours(2));

        var report = await Archiver(journal).RunOnceAsync();

        var bytes = await File.ReadAllBytesAsync(Assert.Single(report.Files));
        Assert.Equal(
            Header + "\r\n"
            + "T-1,R-1,begin,h1,cookbook/todo,get,7,2017-6-13 16:47:55,u1,u2,admin,CM-1,\"{\"\"a\"\":[1,2],\"\"b\"\":\"\"x\"\"}\"\r\n"
            + "tx-a,tx-a,commit,\"a,b\",\"say \"\"hi\"\"\",,,2025-01-01T00:00:01.000Z,,,,\"line1\nline2\",plain text\r\n"
            + "tx-b,tx-b,abort,,,,,2025-01-01T00:00:02.000Z,=cmd|' /C calc'!A0,,,,\r\n"
            + "tx-c,tx-c,commit,,,,,2025-01-01T00:00:03.000Z,,,,,\r\n",
            Gunzip(bytes));

        // A gzip member with no modification time and no file name: nothing in it depends on when it was written.
        Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0 }, bytes[..8]);
    }

    [Fact]
    public async Task Export_WritesNumberedFiles_AndEachStepOnce_AcrossPassesAndARestart()
    {
        var journal = Journal();
        await FinishAsync(journal, "first", 3, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));

        var first = await Archiver(journal).RunOnceAsync();
        var again = await Archiver(journal).RunOnceAsync();
        await FinishAsync(journal, "second", 2, steps: 3);
        _time.Advance(TimeSpan.FromHours(2));
        var restarted = Journal();
        var afterRestart = await Archiver(restarted).RunOnceAsync();
        var last = await Archiver(restarted).RunOnceAsync();

        Assert.Equal((3, 1), (first.Folded, first.Files.Count));
        Assert.Equal((0, 0), (again.Folded, again.Files.Count));
        Assert.Equal([Path.Combine(ExportDirectory, "journal-000000000002.csv.gz")], afterRestart.Files);
        Assert.Equal((0, 0), (last.Folded, last.Files.Count));
        Assert.Equal(
            ["journal-000000000001.csv.gz", "journal-000000000002.csv.gz"],
            Directory.GetFiles(ExportDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertExportedOnce(Expected("first", 3, 2).Concat(Expected("second", 2, 3)));
    }

    [Fact]
    public async Task Export_AfterACrashBetweenFileAndCursor_WritesTheSameBytesAgain_AndNoDuplicate()
    {
        var journal = Journal();
        await FinishAsync(journal, "tx", 4, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        var first = await Archiver(journal).RunOnceAsync();
        var path = Assert.Single(first.Files);
        var written = await File.ReadAllBytesAsync(path);

        // The state a kill leaves behind: the file renamed into place but the cursor not moved, and a half-written
        // temporary file of the same segment.
        await _store.PutAsync(new PutRequest(JournalKeys.ExportCursor, "1"u8.ToArray()));
        var temporary = Path.Combine(ExportDirectory, ".journal-000000000001.csv.gz.0123456789abcdef0123456789abcdef.tmp");
        await File.WriteAllBytesAsync(temporary, written[..(written.Length / 2)]);
        var rerun = await Archiver(Journal()).RunOnceAsync();

        Assert.Equal([path], rerun.Files);
        Assert.Equal(written, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(temporary));
        Assert.Equal("2", await ReadTextAsync(JournalKeys.ExportCursor));
        Assert.Empty((await Archiver(Journal()).RunOnceAsync()).Files);
        AssertExportedOnce(Expected("tx", 4, 2));
    }

    [Fact]
    public async Task Archive_LosesAndRepeatsNothing_WhenKilledAtAnyStoreOperation()
    {
        var expected = new List<(string, string)>();
        for (var crashAt = 0; ; crashAt++)
        {
            foreach (var applyThenCrash in new[] { false, true })
            {
                var prefix = $"c{crashAt}{(applyThenCrash ? "a" : "b")}";
                await FinishAsync(Journal(), prefix, 5, steps: 2);
                expected.AddRange(Expected(prefix, 5, 2));
                _time.Advance(TimeSpan.FromHours(2));
                var files = Directory.Exists(ExportDirectory) ? Directory.GetFiles(ExportDirectory).ToDictionary(f => f, File.ReadAllBytes) : [];

                var faulty = new ArchiveFaultyKeyspace(_store) { CrashAt = crashAt, ApplyThenCrash = applyThenCrash };
                var options = Options();
                options.SegmentMaxRequests = 2;
                try
                {
                    await Archiver(new JournalService(faulty, options)).RunOnceAsync();
                }
                catch (ArchiveCrashException)
                {
                }

                var restarted = Options();
                restarted.SegmentMaxRequests = 2;
                await Archiver(new JournalService(_store, restarted)).RunOnceAsync();

                AssertExportedOnce(expected);
                foreach (var (file, bytes) in files)
                {
                    Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
                }

                foreach (var txid in expected.Select(e => e.Item1).Distinct())
                {
                    Assert.Equal(JournalSource.History, (await Journal().GetAsync(txid))!.Steps[0].Source);
                }

                if (!faulty.Crashed)
                {
                    // The whole pass ran before the crash point: every point has been tried.
                    Assert.True(crashAt > 10, $"A pass took only {crashAt} store operations.");
                    return;
                }
            }
        }
    }

    [Fact]
    public async Task Fold_GivesUpOnARequest_ThatGetsAStepMeanwhile_AndFoldsTheOthers()
    {
        await FinishAsync(Journal(), "tx", 3, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        var faulty = new ArchiveFaultyKeyspace(_store);
        faulty.BeforeTxn = async txn =>
        {
            if (txn.Success.OfType<PutRequest>().Any(p => p.Key.StartsWith(JournalKeys.Segments, StringComparison.Ordinal)))
            {
                faulty.BeforeTxn = null;
                await Journal().AppendAsync("tx-001", "audit", Message("tx-001", "audit"));
            }
        };

        var report = await Archiver(new JournalService(faulty, Options())).RunOnceAsync();

        Assert.Equal(2, report.Folded);
        var raced = await Journal().GetAsync("tx-001");
        Assert.Equal((JournalState.Committed, (long?)null), (raced!.State, raced.Segment));
        Assert.Equal(["begin", "commit", "audit"], raced.Steps.Select(s => s.Step));
        Assert.All(raced.Steps, s => Assert.Equal(JournalSource.Primary, s.Source));
        Assert.Equal(1, (await Journal().GetAsync("tx-000"))!.Segment);
        Assert.Equal(1, (await Journal().GetAsync("tx-002"))!.Segment);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, (await Archiver(Journal()).RunOnceAsync()).Folded);
        Assert.Equal(2, (await Journal().GetAsync("tx-001"))!.Segment);
        AssertExportedOnce(Expected("tx", 3, 2).Append(("tx-001", "audit")));
    }

    [Fact]
    public async Task Retention_RemovesExportedSegmentsOlderThanRetention_WithTheirPointers()
    {
        var journal = Journal();
        await FinishAsync(journal, "old", 2, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();
        _time.Advance(TimeSpan.FromDays(3));
        await FinishAsync(journal, "new", 1, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();
        _time.Advance(TimeSpan.FromDays(4));

        var report = await Archiver(journal).RunOnceAsync();

        Assert.Equal(1, report.Removed);
        Assert.Equal(JournalStatus.NotFound.State, (await journal.GetStatusAsync("old-000")).State);
        Assert.Null(await journal.GetAsync("old-001"));
        Assert.Equal(2, (await journal.GetAsync("new-000"))!.Segment);
        Assert.Equal([JournalKeys.Segment(2)], (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Segments)))).Kvs.Select(kv => kv.Key));
        Assert.Equal([JournalKeys.Archived("new-000")], (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Archive)))).Kvs.Select(kv => kv.Key));

        // The export files are the external copy: retention of the store's history does not touch them.
        Assert.Equal(2, Directory.GetFiles(ExportDirectory).Length);

        // The request id is free again.
        Assert.True((await journal.AppendAsync("old-000", "begin", Message("old-000", "begin"))).Created);
    }

    [Fact]
    public async Task Retention_WithExportOff_RemovesEveryOldSegment()
    {
        var journal = Journal(export: false);
        await FinishAsync(journal, "tx", 3, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        var folded = await Archiver(journal).RunOnceAsync();
        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        var early = await Archiver(journal).RunOnceAsync();
        _time.Advance(TimeSpan.FromMinutes(2));

        var late = await Archiver(journal).RunOnceAsync();

        Assert.Equal((3, 0), (folded.Folded, folded.Files.Count));
        Assert.Equal(0, early.Removed);
        Assert.Equal(1, late.Removed);
        Assert.False(Directory.Exists(ExportDirectory));
        Assert.Equal(
            [JournalKeys.NextSegment],
            (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Root)) { KeysOnly = true })).Kvs.Select(kv => kv.Key));
        Assert.Null(await journal.GetAsync("tx-000"));
    }

    [Fact]
    public async Task Fold_Of100RequestsOf5Steps_StaysInsideTheTxnLimits()
    {
        var journal = Journal();
        await FinishAsync(journal, "tx", 100, steps: 5);
        _time.Advance(TimeSpan.FromHours(2));

        var report = await Archiver(journal).RunOnceAsync();

        Assert.Equal(100, report.Folded);
        Assert.Equal(4, report.Files.Count);
        var perSegment = await RequestsPerSegmentAsync();
        Assert.Equal([30, 30, 30, 10], perSegment.OrderBy(p => p.Key).Select(p => p.Value));
        AssertExportedOnce(Expected("tx", 100, 5));
    }

    [Fact]
    public async Task Fold_SplitsLargeRequestsOverSegments_AndLeavesOneTooLargeForAnyInThePrimary()
    {
        var journal = Journal();
        var commits = new Dictionary<string, byte[]>();
        for (var i = 0; i < 8; i++)
        {
            var txid = $"big-{i:D3}";
            commits[txid] = Message(txid, "commit", $",\"payload\":\"{Noise(300_000)}\"");
            await journal.AppendAsync(txid, "begin", Message(txid, "begin"));
            await journal.AppendAsync(txid, "commit", commits[txid]);
        }

        await journal.AppendAsync("huge", "begin", Message("huge", "begin", $",\"payload\":\"{Noise(700_000)}\""));
        await journal.AppendAsync("huge", "commit", Message("huge", "commit", $",\"payload\":\"{Noise(700_000)}\""));
        _time.Advance(TimeSpan.FromHours(2));

        var report = await Archiver(journal).RunOnceAsync();

        Assert.Equal(8, report.Folded);
        var perSegment = await RequestsPerSegmentAsync();
        Assert.True(perSegment.Count >= 3, $"8 requests of ~225 KB compressed in {perSegment.Count} segments.");
        foreach (var kv in (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Segments)))).Kvs)
        {
            Assert.True(kv.Value.Length <= 1_000_000, $"{kv.Key} is {kv.Value.Length} bytes.");
        }

        var huge = await journal.GetAsync("huge");
        Assert.Equal((JournalState.Committed, (long?)null), (huge!.State, huge.Segment));
        var status = await journal.GetStatusAsync("big-003");
        Assert.Equal(JournalState.Committed, status.State);
        Assert.Equal(commits["big-003"], status.Message.ToArray());

        // Too large to copy into the pointer: the cheap status reads it from the segment.
        Assert.Null((await JournalHistory.ReadPointerAsync(_store, "big-003", CancellationToken.None))!.Message);
        Assert.Equal(commits["big-003"], (await JournalHistory.ReadArchivedStatusAsync(_store, "big-003", CancellationToken.None))!.Message.ToArray());
        AssertExportedOnce(Enumerable.Range(0, 8).SelectMany(i => new[] { ($"big-{i:D3}", "begin"), ($"big-{i:D3}", "commit") }));
    }

    [Fact]
    public async Task RunAsync_FoldsAndExports_EveryInterval()
    {
        var journal = Journal();
        await FinishAsync(journal, "tx", 2, steps: 2);
        _time.Advance(TimeSpan.FromHours(2));
        using var stop = new CancellationTokenSource();
        var loop = Archiver(journal).RunAsync(stop.Token);

        await Eventually.UntilAsync(
            async () =>
            {
                _time.Advance(TimeSpan.FromMinutes(5));
                return (await journal.GetAsync("tx-001"))?.Segment is not null && File.Exists(Path.Combine(ExportDirectory, "journal-000000000001.csv.gz"));
            },
            TimeSpan.FromSeconds(20),
            "the loop folds and exports");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    private JournalOptions Options(bool export = true) => new()
    {
        ExportDirectory = export ? ExportDirectory : null,
        FoldAge = TimeSpan.FromHours(1),
        Retention = TimeSpan.FromDays(7),
        Time = _time,
        NodeId = "node-a",
    };

    private JournalService Journal(bool export = true) => new(_store, Options(export));

    private static JournalArchiver Archiver(JournalService journal) => new(journal);

    private static byte[] Message(string txid, string step, string extra = "") => Encoding.UTF8.GetBytes(
        $$"""{"transaction_id":"{{txid}}","request_id":"{{txid}}","step":"{{step}}","host":"host1","user_id":"user1","verb":"get","resource":"cookbook/todo"{{extra}}}""");

    // Base64 of random bytes: about as incompressible as text gets.
    private static string Noise(int length) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(length))[..length];

    // `count` requests `<prefix>-000`…, each with begin, `steps - 2` middle steps and commit; requests in parallel.
    private static async Task FinishAsync(JournalService journal, string prefix, int count, int steps)
    {
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            foreach (var (txid, step) in Expected(prefix, 1, steps, first: i))
            {
                await journal.AppendAsync(txid, step, Message(txid, step));
            }
        }));
    }

    private static IEnumerable<(string Txid, string Step)> Expected(string prefix, int count, int steps, int first = 0)
    {
        for (var i = first; i < first + count; i++)
        {
            var txid = $"{prefix}-{i:D3}";
            yield return (txid, "begin");
            for (var s = 1; s < steps - 1; s++)
            {
                yield return (txid, $"step{s}");
            }

            yield return (txid, "commit");
        }
    }

    // Every file in the export directory is journal-<n>.csv.gz, numbered 1..N without gaps; together they hold each
    // expected step exactly once and nothing else.
    private void AssertExportedOnce(IEnumerable<(string Txid, string Step)> expected)
    {
        var names = Directory.GetFiles(ExportDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(1, names.Count).Select(n => $"journal-{n:D12}.csv.gz"), names);
        var rows = new List<(string, string)>();
        foreach (var name in names)
        {
            var records = ParseCsv(Gunzip(File.ReadAllBytes(Path.Combine(ExportDirectory, name!))));
            Assert.Equal(Header, string.Join(',', records[0]));
            rows.AddRange(records.Skip(1).Select(r => (r[0], r[2])));
        }

        Assert.Equal(
            expected.Order().ToList(),
            rows.Order().ToList());
    }

    private async Task<Dictionary<long, int>> RequestsPerSegmentAsync()
    {
        var pointers = (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Archive)))).Kvs;
        return pointers
            .Select(kv => JsonDocument.Parse(kv.Value).RootElement.GetProperty("segment").GetInt64())
            .GroupBy(n => n)
            .ToDictionary(g => g.Key, g => g.Count());
    }

    private async Task<string?> ReadTextAsync(string key)
    {
        var kvs = (await _store.RangeAsync(new RangeRequest(KeyRange.Single(key)))).Kvs;
        return kvs.Count == 0 ? null : Encoding.UTF8.GetString(kvs[0].Value.Span);
    }

    private static string Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // RFC 4180: records end with CRLF; a quoted field may hold commas, doubled quotes and line breaks.
    private static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.Empty(fields);
        Assert.Equal(0, field.Length);
        return records;
    }
}
