using System.IO.Compression;
using System.Text;
using Cairn.Contracts;
using Microsoft.Extensions.Time.Testing;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>
/// Any txid and step the seed's server took (all but '/', control characters, '.' and '..', up to 4 KiB of UTF-8) and
/// any message Python's json took (NaN and Infinity, nesting to 1000) go everywhere a request goes — keys, listings,
/// the stuck index, the secondary and its replay, history and export — and come back as they were, on every backend.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class JournalInputConformance(Backend backend) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-input-").FullName;
    private IKeyspace? _store;

    private FakeTimeProvider Time { get; } = new(T0);

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    private string Secondary => Path.Combine(_directory, "secondary");

    private string ExportDirectory => Path.Combine(_directory, "export");

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_directory);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private JournalService NewJournal() => new(Store, new JournalOptions
    {
        SecondaryDirectory = Secondary,
        ExportDirectory = ExportDirectory,
        FoldAge = TimeSpan.FromHours(1),
        Time = Time,
        NodeId = "node-1",
    });

    // Names refused while only ASCII letters, digits and - _ . : of at most 128 were taken, valid now; by a short label,
    // so that test names stay readable.
    private static readonly Dictionary<string, string> Names = new()
    {
        ["unicode"] = "café",
        ["at and plus"] = "user@host+1",
        ["space"] = "a b",
        ["leading and trailing spaces"] = " both ",
        ["leading dot"] = ".hidden",
        ["three dots"] = "...",
        ["like a spool temporary"] = ".tmp-0123",
        ["backslash"] = "a\\b",
        ["percent"] = "%2F",
        ["percent in the middle"] = "a%2Fb",
        ["percent hash query"] = "50% #1 ?x=y&z",
        ["wildcards"] = "a*b?c[d]",
        ["hash"] = "a#b",
        ["cjk"] = "日本語",
        ["emoji"] = "😀",
        ["tilde"] = "a~b",
        ["c1 control"] = "\u0080c1",
        ["zero width space"] = "zero\u200Bwidth",
        ["comma and quote"] = "a,\"b\"",
        ["1000 characters"] = new string('x', 1000),
        ["4096 bytes of ASCII"] = new string('m', JournalNames.MaxTxidBytes),
        ["4096 bytes of 2-byte characters"] = new string('é', JournalNames.MaxTxidBytes / 2),
        ["4096 bytes of 4-byte characters"] = string.Concat(Enumerable.Repeat("😀", JournalNames.MaxTxidBytes / 4)),
    };

    public static TheoryData<string> GoodNames => [.. Names.Keys];

    [Theory]
    [MemberData(nameof(GoodNames))]
    public async Task AName_RoundTrips_ThroughKeysListingStuckHistoryAndExport(string label)
    {
        var name = Names[label];
        var journal = NewJournal();
        await journal.AppendAsync(name, "begin", Json("""{"user_id": "u1"}"""));
        await journal.AppendAsync(name, name, Json("1"));
        await journal.AppendAsync("zz-other", "begin", Json("{}"));
        Time.Advance(TimeSpan.FromMinutes(30));

        var request = await journal.GetAsync(name);
        Assert.Equal(name, request!.Txid);
        Assert.Equal(["begin", name], request.Steps.Select(s => s.Step));
        Assert.Contains(name, (await journal.ListAsync(new JournalQuery())).Requests.Select(r => r.Txid));
        Assert.Contains(name, (await journal.StuckAsync(TimeSpan.FromMinutes(10))).Requests.Select(r => r.Txid));
        Assert.Equal(JournalState.InProgress, (await journal.GetStatusAsync(name)).State);
        Assert.Equal(new[] { name, "zz-other" }.Order(StringComparer.Ordinal), (await AllPagesAsync(journal, limit: 1)).Order(StringComparer.Ordinal));

        // Every key stays within the default key limit, whatever the names' length.
        var keys = (await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Root)) { KeysOnly = true })).Kvs;
        Assert.All(keys, kv => Assert.InRange(Encoding.UTF8.GetByteCount(kv.Key), 1, new KeyspaceLimits().MaxKeyBytes));

        await journal.AppendAsync(name, "commit", Json("""{"result": "ok"}"""));
        Time.Advance(TimeSpan.FromHours(2));
        var report = await new JournalArchiver(journal).RunOnceAsync();
        Assert.Equal(1, report.Folded);

        request = await journal.GetAsync(name);
        Assert.Equal(name, request!.Txid);
        Assert.NotNull(request.Segment);
        Assert.Equal(["begin", name, "commit"], request.Steps.Select(s => s.Step));
        Assert.Equal("""{"result": "ok"}""", Text((await journal.GetStatusAsync(name)).Message));
        Assert.Equal(["zz-other"], (await journal.ListAsync(new JournalQuery())).Requests.Select(r => r.Txid));

        var rows = ExportedText();
        var field = name.IndexOfAny([',', '"']) >= 0 ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
        Assert.Equal(3, rows.Split("\r\n").Count(r => r.StartsWith(field + "," + field + ",", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(GoodNames))]
    public async Task AName_SpooledWhileTheStoreIsDown_IsReplayedIntoIt(string label)
    {
        var name = Names[label];
        var journal = NewJournal();

        // What an append writes to the secondary while the store is down.
        var (spooled, written) = journal.Spool!.Write(new JournalEntry(name, name, T0, Json("""{"s": 1}"""), 0, "node-1"));
        journal.Spool.Write(new JournalEntry(name, "begin", T0, Json("{}"), 0, "node-1"));
        Assert.True(written);
        Assert.Equal(name, spooled.Txid);
        Assert.Equal(2, journal.Spool.ReadRequest(name).Count);
        Assert.Equal(new[] { "begin", name }.Order(StringComparer.Ordinal), (await journal.GetAsync(name))!.Steps.Select(s => s.Step).Order(StringComparer.Ordinal));

        Assert.Equal(2, await journal.ResyncAsync());

        Assert.Empty(FileNames(Secondary));
        var request = await journal.GetAsync(name);
        Assert.All(request!.Steps, s => Assert.Equal(JournalSource.Primary, s.Source));
        Assert.Equal("""{"s": 1}""", Text(request.Steps.Single(s => s.Step == name).Message));
        Assert.Equal(name, Assert.Single((await journal.ListAsync(new JournalQuery())).Requests).Txid);
    }

    [Fact]
    public async Task LongNamesThatShareTheirStart_AreStillDifferentRequests()
    {
        var journal = NewJournal();
        var start = new string('s', 3000);
        string[] names = [start + "a", start + "b", start + "é", start];
        foreach (var name in names)
        {
            await journal.AppendAsync(name, "begin", Json(Encoding.UTF8.GetByteCount(name).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await journal.AppendAsync(name, name, Json("null"));
        }

        foreach (var name in names)
        {
            var request = await journal.GetAsync(name);
            Assert.Equal(name, request!.Txid);
            Assert.Equal(Encoding.UTF8.GetByteCount(name).ToString(System.Globalization.CultureInfo.InvariantCulture), Text(request.Steps.Single(s => s.Step == "begin").Message));
            Assert.Equal(["begin", name], request.Steps.Select(s => s.Step));
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), (await AllPagesAsync(journal, limit: 1)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task NamesThatFitTheOldRules_KeepTheirKeys_SoEarlierDataReadsAsItIs()
    {
        var txid = new string('t', 128);
        var step = new string('s', 64);
        Assert.Equal("/cairn/journal/steps/" + txid + "/" + step, JournalKeys.Step(txid, step));
        Assert.Equal("/cairn/journal/requests/tx-1", JournalKeys.Request("tx-1"));

        // A summary as an earlier version wrote it (no txid in it): listed under its key's name.
        var journal = NewJournal();
        await journal.AppendAsync("tx-1", "begin", Json("{}"));
        var summary = Assert.Single((await Store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.Request("tx-1"))))).Kvs);
        Assert.DoesNotContain("txid", Encoding.UTF8.GetString(summary.Value.Span), StringComparison.Ordinal);
        Assert.Equal("tx-1", Assert.Single((await journal.ListAsync(new JournalQuery())).Requests).Txid);
    }

    // Messages Python's json took and standard JSON readers refuse or nest too deep for, by label.
    private static readonly Dictionary<string, string> Messages = new()
    {
        ["NaN"] = "NaN",
        ["Infinity"] = "Infinity",
        ["-Infinity"] = "-Infinity",
        ["all three in an array"] = "[NaN, Infinity, -Infinity]",
        ["in objects, and as text in a string"] = """{"pk": NaN, "payload": {"a": [NaN, {"b": -Infinity}]}, "s": "NaN \" Infinity"}""",
        ["without spaces"] = """{"n":NaN,"m":Infinity}""",
        ["with whitespace around"] = "\t[\nNaN\r,\n -Infinity ]\n",
        ["NaN 1000 arrays deep"] = new string('[', JournalMessages.MaxDepth) + "NaN" + new string(']', JournalMessages.MaxDepth),
        ["objects 1000 deep"] = string.Concat(Enumerable.Repeat("{\"a\":", JournalMessages.MaxDepth)) + "1" + new string('}', JournalMessages.MaxDepth),
    };

    public static TheoryData<string> PythonOnlyMessages => [.. Messages.Keys];

    [Theory]
    [MemberData(nameof(PythonOnlyMessages))]
    public async Task AMessagePythonsJsonTook_IsStoredVerbatim_InTheStoreTheSecondaryAndHistory(string label)
    {
        var json = Messages[label];
        var journal = NewJournal();
        await journal.AppendAsync("tx-m", "begin", Json(json));
        await journal.AppendAsync("tx-m", "commit", Json(json));
        journal.Spool!.Write(new JournalEntry("tx-s", "commit", T0, Json(json), 0, "node-1"));

        Assert.Equal(json, Text(Assert.Single((await journal.GetAsync("tx-m"))!.Steps, s => s.Step == "begin").Message));
        Assert.Equal(json, Text((await journal.GetStatusAsync("tx-m")).Message));
        Assert.Equal(json, Text((await journal.GetStatusAsync("tx-s")).Message));
        Assert.Equal(1, await journal.ResyncAsync());
        Assert.Equal(json, Text((await journal.GetStatusAsync("tx-s")).Message));

        Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, (await new JournalArchiver(journal).RunOnceAsync()).Folded);
        var folded = await journal.GetAsync("tx-m");
        Assert.NotNull(folded!.Segment);
        Assert.All(folded.Steps, s => Assert.Equal(json, Text(s.Message)));
        Assert.Equal(json, Text((await journal.GetStatusAsync("tx-m")).Message));
        Assert.Equal(json, Text((await JournalHistory.ReadArchivedStatusAsync(Store, "tx-m", CancellationToken.None))!.Message));
        Assert.Equal(json, Text((await journal.GetStatusAsync("tx-s")).Message));
    }

    [Fact]
    public async Task FieldsAndTheExportedPayload_TakeNamedNumbersAsTheirText()
    {
        var journal = NewJournal();
        await journal.AppendAsync("tx-f", "begin", Json("""{"pk": NaN, "cm": -Infinity, "host": "h1", "payload": {"r": [NaN, 1.0]}, "verb": Infinity}"""));
        await journal.AppendAsync("tx-f", "commit", Json("""{"payload": Infinity}"""));

        var fields = (await journal.GetAsync("tx-f"))!.Fields;
        Assert.Equal(("NaN", "-Infinity", "h1", "Infinity"), (fields.Pk, fields.Cm, fields.Host, fields.Verb));
        Assert.Equal("NaN", Assert.Single((await journal.ListAsync(new JournalQuery { Host = "h1" })).Requests).Fields.Pk);

        Time.Advance(TimeSpan.FromHours(2));
        await new JournalArchiver(journal).RunOnceAsync();
        var rows = ExportedText().Split("\r\n");
        Assert.EndsWith(",\"{\"\"r\"\": [NaN, 1.0]}\"", Assert.Single(rows, r => r.StartsWith("tx-f,tx-f,begin,", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith(",Infinity", Assert.Single(rows, r => r.StartsWith("tx-f,tx-f,commit,", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static async Task<List<string>> AllPagesAsync(JournalService journal, int limit)
    {
        var all = new List<string>();
        string? after = null;
        do
        {
            var page = await journal.ListAsync(new JournalQuery { After = after, Limit = limit });
            all.AddRange(page.Requests.Select(r => r.Txid));
            after = page.Next;
        }
        while (after is not null);
        return all;
    }

    // The text of every export file, in order.
    private string ExportedText()
    {
        var text = new StringBuilder();
        foreach (var path in Directory.GetFiles(ExportDirectory, "journal-*.csv.gz").Order(StringComparer.Ordinal))
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            text.Append(reader.ReadToEnd());
        }

        return text.ToString();
    }
}
