using System.Net;
using System.Net.Sockets;
using Cairn.Core;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn journal</c> input errors that need no server: each is one <c>cairn:</c> line and exit 1, and none
/// reaches the (dead) endpoint.</summary>
public sealed class JournalCliErrorTests
{
    private static readonly string Dead = DeadTcp();

    private static string DeadTcp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private static Task<CliRun> Journal(params string[] args) => CliRun.RunAsync(["journal", .. args, "--endpoint", Dead]);

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a\tb")]
    [InlineData("tx/")]
    [InlineData("del\u007f")]
    public async Task ABadTxid_FailsWithOneLine_BeforeAnyRequest(string txid)
    {
        foreach (var args in new[] { new[] { "append", txid, "begin", "{}" }, ["status", txid], ["show", txid] })
        {
            var line = (await Journal(args)).AssertOneLineError();

            Assert.Contains("request id (txid)", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Cannot reach", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnOverLongTxidOrStep_FailsWithOneLine()
    {
        var txid = (await Journal("append", new string('t', 4097), "begin", "{}")).AssertOneLineError();
        var step = (await Journal("append", "tx", new string('s', 4097), "{}")).AssertOneLineError();

        Assert.Contains("at most 4096", txid, StringComparison.Ordinal);
        Assert.Contains("at most 4096", step, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"a\":")]
    [InlineData("{} {}")]
    [InlineData("")]
    public async Task ANonJsonMessage_FailsWithOneLine(string message)
    {
        var line = (await Journal("append", "tx", "begin", message)).AssertOneLineError();

        Assert.Contains("JSON", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonJsonMessageOnStandardInput_FailsWithOneLine()
    {
        var run = await CliRun.RunAsync(["journal", "append", "tx", "begin", "--endpoint", Dead], stdin: "{oops\n");

        Assert.Contains("not valid JSON", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("append")]
    [InlineData("append", "tx")]
    [InlineData("append", "tx", "begin", "--framed")]
    [InlineData("append", "--framed", "--max-message-bytes", "0")]
    [InlineData("ls", "--state", "sleeping")]
    [InlineData("ls", "--from", "yesterday-ish")]
    [InlineData("stuck", "--older-than", "5x")]
    [InlineData("stuck", "--older-than", "-3m")]
    [InlineData("status")]
    [InlineData("bogus")]
    public async Task AUsageError_FailsWithOneLine(params string[] args)
    {
        var line = (await Journal(args)).AssertOneLineError();

        Assert.DoesNotContain("Cannot reach", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFramedInputThatIsBadFromTheStart_FailsWithOneLine_NamingTheFrame()
    {
        var run = await CliRun.RunAsync(["journal", "append", "--framed", "--endpoint", Dead], Frames.Length(9)[..2]);

        Assert.Equal("cairn: frame 1: the input ends inside the 4-byte length (got 2 bytes).", run.AssertOneLineError());
    }

    [Fact]
    public async Task AFramedMessageOverTheFlag_FailsWithOneLine()
    {
        var run = await CliRun.RunAsync(["journal", "append", "--framed", "--max-message-bytes", "16", "--endpoint", Dead], Frames.Of(Frames.Message("t", "begin")));

        Assert.Contains("largest message allowed is 16 bytes", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFramedMessageWithABadRequestId_FailsWithOneLine_NamingTheFrame()
    {
        var run = await CliRun.RunAsync(["journal", "append", "--framed", "--endpoint", Dead], Frames.Of("""{"request_id":"../etc","step":"begin"}"""));

        var line = run.AssertOneLineError();
        Assert.StartsWith("cairn: frame 1 (../etc/begin): ", line, StringComparison.Ordinal);
        Assert.Contains("request id (txid)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFramedInputToAnUnreachableServer_FailsWithOneLine_NamingTheFrame()
    {
        var run = await CliRun.RunAsync(["journal", "append", "--framed", "--endpoint", Dead], Frames.Of(Frames.Message("t1", "begin")));

        Assert.StartsWith("cairn: frame 1 (t1/begin): Cannot reach the Cairn server", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableServer_FailsWithOneLine()
    {
        var line = (await Journal("status", "tx")).AssertOneLineError();

        Assert.Contains("Cannot reach the Cairn server", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Times_AreIso8601InUtc_OrADurationAgo()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var clock = new FixedClock(now);

        Assert.Equal(now, TimeArguments.ParseTime("2024-05-01T12:00:00Z", "--from", clock));
        Assert.Equal(now, TimeArguments.ParseTime("2024-05-01T14:00:00+02:00", "--from", clock));
        Assert.Equal(now, TimeArguments.ParseTime("2024-05-01T12:00:00", "--from", clock));
        Assert.Equal(now.AddHours(-1), TimeArguments.ParseTime("1h", "--from", clock));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
