using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn kv …</c>, <c>txn</c>, <c>status</c> and <c>compact</c> against a real server.</summary>
public sealed class KvCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Unique(string transport) => $"cli-{transport}-{Guid.NewGuid():N}/";

    private Task<CliRun> Cairn(string transport, params string[] args) => CliRun.RunAsync([.. args, "--endpoint", fixture.Endpoint(transport)]);

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task PutThenGet_PrintsTheRawValue(string transport)
    {
        var key = Unique(transport) + "greeting";

        var put = await Cairn(transport, "kv", "put", key, "hello world");
        var get = await Cairn(transport, "kv", "get", key);

        Assert.Equal(0, put.ExitCode);
        Assert.StartsWith("created at revision ", put.Out, StringComparison.Ordinal);
        Assert.Equal(0, get.ExitCode);
        Assert.Equal("hello world", get.Out);
        Assert.Equal("", get.Error);
    }

    [Fact]
    public async Task Put_WithoutValue_ReadsStandardInput_AndJsonOutputParses()
    {
        var key = Unique("tcp") + "stdin";

        var put = await CliRun.RunAsync(["kv", "put", key, "--json", "--endpoint", fixture.TcpEndpoint], stdin: "from stdin\n");
        var get = await Cairn("tcp", "kv", "get", key, "--json");

        Assert.Equal(0, put.ExitCode);
        var result = JsonSerializer.Deserialize<PutResultDto>(put.Out, WireJson.Options)!;
        Assert.True(result.Created);
        var kv = JsonSerializer.Deserialize<KeyValueDto>(get.Out, WireJson.Options)!;
        Assert.Equal(key, kv.Key);
        Assert.Equal("from stdin\n"u8.ToArray(), kv.Value);
        Assert.Equal(result.Revision, kv.ModRevision);
    }

    [Fact]
    public async Task Put_FromAFile_StoresItsBytes()
    {
        var key = Unique("unix") + "file";
        var path = Path.Combine(fixture.DataDir, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, [1, 2, 3]);

        var put = await Cairn("unix", "kv", "put", key, "--file", path);
        var meta = await Cairn("unix", "kv", "get", key, "--meta");

        Assert.Equal(0, put.ExitCode);
        Assert.Contains("size", meta.Out, StringComparison.Ordinal);
        Assert.Matches(@"size\s+3", meta.Out);
        Assert.Matches(@"version\s+1", meta.Out);
    }

    [Fact]
    public async Task Put_WithAStaleModRevision_FailsWithOneLine_AndKeepsTheValue()
    {
        var key = Unique("tcp") + "cas";
        await Cairn("tcp", "kv", "put", key, "one");
        await Cairn("tcp", "kv", "put", key, "two");

        var stale = await Cairn("tcp", "kv", "put", key, "three", "--if-mod-revision", "1");
        var absent = await Cairn("tcp", "kv", "put", key, "four", "--if-absent");

        Assert.Contains("Precondition failed", stale.AssertOneLineError(), StringComparison.Ordinal);
        absent.AssertOneLineError();
        Assert.Equal("two", (await Cairn("tcp", "kv", "get", key)).Out);
    }

    [Fact]
    public async Task Put_WithPrevKv_PrintsThePreviousValue()
    {
        var key = Unique("tcp") + "prev";
        await Cairn("tcp", "kv", "put", key, "old");

        var put = await Cairn("tcp", "kv", "put", key, "new", "--prev-kv");

        Assert.StartsWith("updated at revision ", put.Out, StringComparison.Ordinal);
        Assert.Contains(": old", put.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Get_OfAMissingKey_FailsWithOneLine(string transport)
    {
        var run = await Cairn(transport, "kv", "get", Unique(transport) + "missing");

        Assert.Contains("not found", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Del_RemovesAKey_ThenFailsForIt()
    {
        var key = Unique("tcp") + "gone";
        await Cairn("tcp", "kv", "put", key, "v");

        var del = await Cairn("tcp", "kv", "del", key);
        var again = await Cairn("tcp", "kv", "del", key);

        Assert.Equal(0, del.ExitCode);
        Assert.StartsWith("deleted 1 at revision", del.Out, StringComparison.Ordinal);
        again.AssertOneLineError();
    }

    [Fact]
    public async Task Del_WithPrefix_DeletesEveryKeyUnderIt()
    {
        var prefix = Unique("unix");
        await Cairn("unix", "kv", "put", prefix + "a", "1");
        await Cairn("unix", "kv", "put", prefix + "b", "2");

        var del = await Cairn("unix", "kv", "del", prefix, "--prefix", "--json");
        var ls = await Cairn("unix", "kv", "ls", prefix, "--json");

        Assert.Equal(2, JsonSerializer.Deserialize<DeleteResultDto>(del.Out, WireJson.Options)!.Deleted);
        Assert.Empty(JsonSerializer.Deserialize<RangeResultDto>(ls.Out, WireJson.Options)!.Kvs);
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Ls_PrintsATable_AndAllFollowsEveryPage(string transport)
    {
        var prefix = Unique(transport);
        for (var i = 0; i < 5; i++)
        {
            await Cairn(transport, "kv", "put", prefix + i, "value-" + i);
        }

        var table = await Cairn(transport, "kv", "ls", prefix);
        var firstPage = await Cairn(transport, "kv", "ls", prefix, "--limit", "2", "--json");
        var all = await Cairn(transport, "kv", "ls", prefix, "--limit", "2", "--all", "--json", "--keys-only");

        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^KEY\s+VERSION\s+MOD_REV\s+VALUE$", lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.Contains("value-3", lines[4], StringComparison.Ordinal);
        var page = JsonSerializer.Deserialize<RangeResultDto>(firstPage.Out, WireJson.Options)!;
        Assert.Equal(2, page.Kvs.Count);
        Assert.Equal(prefix + "1", page.Next);
        var every = JsonSerializer.Deserialize<RangeResultDto>(all.Out, WireJson.Options)!;
        Assert.Equal(Enumerable.Range(0, 5).Select(i => prefix + i), every.Kvs.Select(k => k.Key));
        Assert.Null(every.Next);
    }

    [Fact]
    public async Task Txn_FromAFile_RunsTheSuccessBranch_AndJsonParses()
    {
        var key = Unique("tcp") + "counter";
        var path = Path.Combine(fixture.DataDir, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, $$$"""
            {"compare":[{"key":"{{{key}}}","target":"version","result":"equal","number":0}],
             "success":[{"put":{"key":"{{{key}}}","text":"1"}},{"range":{"key":"{{{key}}}"}}],
             "failure":[{"range":{"key":"{{{key}}}"}}]}
            """);

        var first = await Cairn("tcp", "txn", path, "--json");
        var second = await Cairn("tcp", "txn", path);

        var result = JsonSerializer.Deserialize<TxnResultDto>(first.Out, WireJson.Options)!;
        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Results.Count);
        Assert.Equal("1"u8.ToArray(), result.Results[1].Range!.Kvs[0].Value);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith("failed at revision", second.Out, StringComparison.Ordinal);
        Assert.Contains(key + " = 1", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Txn_FromStandardInput_Runs()
    {
        var key = Unique("unix") + "stdin";

        var run = await CliRun.RunAsync(["txn", "--endpoint", fixture.UnixEndpoint], stdin: $$$"""{"success":[{"put":{"key":"{{{key}}}","text":"x"}}]}""");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("succeeded at revision", run.Out, StringComparison.Ordinal);
        Assert.Equal("x", (await Cairn("unix", "kv", "get", key)).Out);
    }

    [Theory]
    [InlineData("{\"success\":[{\"put\":{\"key\":\"k\",\"text\":\"x\"}}]")]
    [InlineData("{\"sucess\":[]}")]
    [InlineData("{\"compare\":[{\"key\":\"k\",\"target\":\"color\",\"result\":\"equal\"}]}")]
    [InlineData("")]
    public async Task Txn_Malformed_FailsWithOneLine(string json)
    {
        var run = await CliRun.RunAsync(["txn", "--endpoint", fixture.TcpEndpoint], stdin: json);

        run.AssertOneLineError();
    }

    [Fact]
    public async Task Status_PrintsFields_AndJsonParses()
    {
        var text = await Cairn("tcp", "status");
        var json = await Cairn("unix", "status", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Matches(@"backend\s+sqlite", text.Out);
        var status = JsonSerializer.Deserialize<StatusDto>(json.Out, WireJson.Options)!;
        Assert.Equal("sqlite", status.Backend);
        Assert.True(status.Revision > 0);
    }

    [Fact]
    public async Task Compact_MakesOlderRevisionsUnreadable()
    {
        var key = Unique("tcp") + "hist";
        var first = JsonSerializer.Deserialize<PutResultDto>((await Cairn("tcp", "kv", "put", key, "a", "--json")).Out, WireJson.Options)!;
        var second = JsonSerializer.Deserialize<PutResultDto>((await Cairn("tcp", "kv", "put", key, "b", "--json")).Out, WireJson.Options)!;

        var compact = await Cairn("tcp", "compact", second.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        var old = await Cairn("tcp", "kv", "get", key, "--revision", first.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, compact.ExitCode);
        Assert.Equal(second.Revision, JsonSerializer.Deserialize<CompactDto>(compact.Out, WireJson.Options)!.CompactRevision);
        Assert.Contains("compacted", old.AssertOneLineError(), StringComparison.Ordinal);
    }
}
