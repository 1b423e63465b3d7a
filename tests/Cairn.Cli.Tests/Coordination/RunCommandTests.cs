using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Cli.Tests.Coordination;

/// <summary><c>cairn run …</c> (in-process) against a real server: parameters, listing, deletion, and bad input as one
/// line and a non-zero exit.</summary>
public sealed class RunCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    // The endpoint goes first: after a "--" it would be part of the COMMAND.
    private Task<CliRun> Cairn(params string[] args) => CliRun.RunAsync(["--endpoint", fixture.TcpEndpoint, .. args]);

    [Fact]
    public async Task Params_SetAndGet_OfTheRunAndOfAnIndex_WithFallbackAndCompareAndSet()
    {
        var id = Unique("params");
        Assert.Equal(0, (await Cairn("run", "create", id, """{"web":[1,2]}""", "--defaults", """{"image":"debian"}""", "--params", """{"web":{"size":"large"}}""")).ExitCode);

        var set = await Cairn("run", "param", "set", id, "web", "1", "hostname", "vm-1", "--json");
        var revision = JsonSerializer.Deserialize<RunParameterDto>(set.Out, WireJson.Options)!.ModRevision;
        var stale = await Cairn("run", "param", "set", id, "web", "1", "hostname", "vm-x", "--if-revision", (revision - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cas = await Cairn("run", "param", "set", id, "web", "1", "hostname", "vm-1b", "--if-revision", revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var runLevel = await Cairn("run", "param", "set", id, "ss:url", "http://x");

        Assert.Equal("vm-1b\n", (await Cairn("run", "param", "get", id, "web", "1", "hostname")).Out);
        Assert.Equal("large\n", (await Cairn("run", "param", "get", id, "web", "2", "size")).Out);
        Assert.Equal("debian\n", (await Cairn("run", "param", "get", id, "web", "2", "image")).Out);
        Assert.Equal("http://x\n", (await Cairn("run", "param", "get", id, "ss:url")).Out);
        Assert.Contains("has no value", (await Cairn("run", "param", "get", id, "web", "2", "hostname")).AssertOneLineError(), StringComparison.Ordinal);
        Assert.NotEmpty(stale.AssertOneLineError());
        Assert.Equal(0, cas.ExitCode);
        Assert.StartsWith("parameter ss:url of run " + id + " set (revision ", runLevel.Out, StringComparison.Ordinal);
        var show = await Cairn("run", "show", id);
        Assert.Matches(@"(?m)^web\s+1\s+hostname\s+vm-1b\s+set$", show.Out);
        Assert.Matches(@"(?m)^\*\s+\*\s+image\s+debian\s+default$", show.Out);
    }

    [Fact]
    public async Task LsAndRm_ListAndDeleteRuns()
    {
        var id = Unique("ls");
        await Cairn("run", "create", id, """{"n":[0]}""");

        var ls = await Cairn("run", "ls", "--all");
        var rm = await Cairn("run", "rm", id);
        var again = await Cairn("run", "rm", id);
        var show = await Cairn("run", "show", id);

        Assert.Matches(@"(?m)^RUN\s+STATE\s+EPOCH\s+PENDING\s+NODES\s+STATE AT$", ls.Out);
        Assert.Matches($@"(?m)^{id}\s+init\s+0\s+1/1\s+1\s+\d{{4}}-", ls.Out);
        Assert.Equal($"run {id} deleted\n", rm.Out);
        Assert.Contains(id, again.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Contains(id, show.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"n":[]}""")]
    [InlineData("""{"n":[1,-1]}""")]
    [InlineData("""{"n":[1,1]}""")]
    [InlineData("""{"n":"x"}""")]
    [InlineData("not json")]
    public async Task Create_WithAnInvalidTopology_FailsWithOneLine_AndMakesNoRun(string topology)
    {
        var id = Unique("bad");

        var create = await Cairn("run", "create", id, topology);
        var show = await Cairn("run", "show", id);

        Assert.NotEmpty(create.AssertOneLineError());
        Assert.Contains("no run", show.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadCompletionsAndArguments_FailWithOneLine()
    {
        var id = Unique("bad");
        await Cairn("run", "create", id, """{"n":[0,1]}""");

        var unknownRun = await Cairn("run", "complete", Unique("nope"), "n", "0", "init", "provisioning");
        var unknownNode = await Cairn("run", "complete", id, "m", "0", "init", "provisioning");
        var wrongState = await Cairn("run", "complete", id, "n", "0", "executing", "sending report");
        var invalid = await Cairn("run", "complete", id, "n", "0", "init", "terminated");
        var notAnIndex = await Cairn("run", "complete", id, "n", "x", "init", "provisioning");
        var paramArgs = await Cairn("run", "param", "get", id, "n", "name");
        var waitUnknown = await Cairn("run", "wait", Unique("nope"));
        var badName = await Cairn("run", "create", "a/b", """{"n":[0]}""");

        Assert.NotEmpty(unknownRun.AssertOneLineError());
        Assert.NotEmpty(unknownNode.AssertOneLineError());
        var conflict = wrongState.AssertOneLineError();
        Assert.Contains("init", conflict, StringComparison.Ordinal);
        Assert.Contains("executing", conflict, StringComparison.Ordinal);
        Assert.Contains("terminated", invalid.AssertOneLineError(), StringComparison.Ordinal);
        Assert.NotEmpty(notAnIndex.AssertOneLineError());
        Assert.Contains("RUN [NODE INDEX] NAME", paramArgs.AssertOneLineError(), StringComparison.Ordinal);
        Assert.NotEmpty(waitUnknown.AssertOneLineError());
        Assert.NotEmpty(badName.AssertOneLineError());
    }
}
