using System.Text.Json.Nodes;
using Cairn.Client;
using Cairn.Testing.Server;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn journal import</c>: an original Journal written into a real ZooKeeper by the original's own means,
/// imported into a real server, then asked for the status of each request as the original was.</summary>
public sealed class JournalImportTests(JournalImportFixture fixture) : IClassFixture<JournalImportFixture>
{
    private static string Chroot() => "/journal-" + Guid.NewGuid().ToString("N")[..12];

    // A minute for ZooKeeper to answer: a loaded machine may be slow, and only the test of an unreachable one waits it out.
    private Task<CliRun> ImportAsync(params string[] args) =>
        CliRun.RunAsync(["journal", "import", .. args, .. args.Contains("--connect-timeout") ? Array.Empty<string>() : ["--connect-timeout", "60s"], "--endpoint", fixture.Server.TcpEndpoint]);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Import_EveryRequestAnswersItsStatusAsTheOriginalDid_AndASecondImportChangesNothing()
    {
        await OriginalJournalWriter.RequireKazooAsync();
        var chroot = Chroot();
        var id = chroot[^6..];
        string Tx(string name) => $"{name}-{id}";
        var odd = $"odd tx ~@+%é (1) {id}";
        var refused = new string('x', 4097);
        var original = new OriginalJournalWriter()
            .Post(Tx("begun"), "begin")
            .Post(Tx("committed"), "begin").Post(Tx("committed"), "commit", OriginalJournalWriter.Message(Tx("committed"), "commit", new { files = new[] { 1, 2 } }))
            .Post(Tx("aborted"), "begin").Post(Tx("aborted"), "abort", OriginalJournalWriter.Message(Tx("aborted"), "abort", "disk full"))
            .Post(odd, "begin").Post(odd, "commit")
            .Post(refused, "begin")
            .Post(Tx("folded-committed"), "begin").Post(Tx("folded-committed"), "commit", OriginalJournalWriter.Message(Tx("folded-committed"), "commit", new { rows = 3, ok = true }))
            .Post(Tx("folded-aborted"), "begin").Post(Tx("folded-aborted"), "abort")
            .Fold(Tx("folded-committed"), Tx("folded-aborted"))
            .Post(Tx("folded-begun"), "begin")
            .Post(Tx("slash"), "begin", OriginalJournalWriter.Message($"{Tx("slash")}/x", "begin")) // its row's request_id
            .Fold(Tx("folded-begun"), Tx("slash"))
            .LeaveLock(Tx("committed"));
        string[] asked = [Tx("begun"), Tx("committed"), Tx("aborted"), odd, Tx("folded-committed"), Tx("folded-aborted"), Tx("folded-begun"), Tx("never")];
        var answers = await original.WriteAsync(fixture.ZooKeeper.ConnectString, chroot, asked);

        var first = await ImportAsync("--zookeeper", fixture.ZooKeeper.ConnectString + chroot);

        Assert.True(first.ExitCode == 2, $"exit {first.ExitCode}: {first.Error}"); // two things could not be imported
        Assert.Equal(
            "7 steps imported, 0 already present, 5 history rows imported, 0 already present, 2 skipped, 1 lock node passed over",
            first.Out.TrimEnd());
        var errors = Lines(first.Error);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith($"cairn: skipped /{new string('x', 198)}…: Cairn refuses this request id: The request id (txid) is 4097 bytes long", errors[0], StringComparison.Ordinal);
        Assert.Matches(@"^cairn: skipped /history/sqlite-db#0000000001 row \d \(id \d\): Cairn refuses its request_id: .*contains '/'", errors[1]);

        using var journal = ServerFixture.UnixHttpClient(fixture.JournalSocket);
        foreach (var txid in asked)
        {
            var (status, body) = answers[txid];
            using var response = await journal.GetAsync("/status/" + Uri.EscapeDataString(txid));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(
                (int)response.StatusCode == (status == 102 ? 202 : status) && text == body, // Cairn answers 102 as 202, with the same body
                $"{txid}: the original answered {status} {body}; Cairn {(int)response.StatusCode} {text}");
        }

        var committed = await CliRun.RunAsync(["journal", "status", Tx("folded-committed"), "--endpoint", fixture.Server.UnixEndpoint]);
        Assert.Equal("committed", Lines(committed.Out)[0]);
        // The CLI prints the message as the /v1 API gives it (compact): the same JSON as the original's answer held.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(answers[Tx("folded-committed")].Body)!["status"], JsonNode.Parse(Lines(committed.Out)[1])), committed.Out);
        var begun = await CliRun.RunAsync(["journal", "status", Tx("folded-begun"), "--endpoint", fixture.Server.TcpEndpoint]);
        Assert.Equal(["in-progress"], Lines(begun.Out));

        using var client = new CairnClient(fixture.Server.TcpEndpoint);
        var before = (await client.ServerStatusAsync()).Revision;
        var second = await ImportAsync("--zookeeper", "zookeeper://" + fixture.ZooKeeper.ConnectString + chroot);
        var after = (await client.ServerStatusAsync()).Revision;

        Assert.Equal(2, second.ExitCode);
        Assert.Equal(
            "0 steps imported, 7 already present, 0 history rows imported, 5 already present, 2 skipped, 1 lock node passed over; nothing new: the journal had all of it",
            second.Out.TrimEnd());
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Import_WithJson_PrintsTheReport_AndExits0WhenEverythingWasImported()
    {
        await OriginalJournalWriter.RequireKazooAsync();
        var chroot = Chroot();
        var txid = "json-" + chroot[^6..];
        await new OriginalJournalWriter().Post(txid, "begin").Post(txid, "commit").Fold(txid).WriteAsync(fixture.ZooKeeper.ConnectString, chroot, []);

        var run = await ImportAsync("--zookeeper", fixture.ZooKeeper.ConnectString + chroot, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("\"historyRowsImported\":2", run.Out, StringComparison.Ordinal);
        Assert.Contains("\"historyNodes\":1", run.Out, StringComparison.Ordinal);
        Assert.Contains("\"skipped\":[]", run.Out, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Import_ReadableOnlyWithTheDigest_IsRefusedWithAWrongPassword_AndImportedWithTheRightOne()
    {
        await OriginalJournalWriter.RequireKazooAsync();
        var chroot = Chroot();
        var txid = "acl-" + chroot[^6..];
        await new OriginalJournalWriter().Post(txid, "begin").WriteAsync(fixture.ZooKeeper.ConnectString, chroot, [], digest: "journal:s3cret");
        var target = fixture.ZooKeeper.ConnectString + chroot;

        var anonymous = await ImportAsync("--zookeeper", target);
        var wrong = await ImportAsync("--zookeeper", target, "--digest", "journal:wrong");
        var right = await ImportAsync("--zookeeper", target, "--digest", "journal:s3cret");

        Assert.Contains("(NoAuth)", anonymous.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Contains("give --digest", anonymous.Error, StringComparison.Ordinal);
        var line = wrong.AssertOneLineError();
        Assert.Contains($"refused to let this client read {chroot}/{txid} (NoAuth)", line, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", line, StringComparison.Ordinal);
        Assert.True(right.ExitCode == 0, right.Error);
        Assert.StartsWith("1 step imported", right.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_FromNoZooKeeper_ABadConnectString_OrAMissingChroot_IsOneLineAndExit1()
    {
        var zk = fixture.ZooKeeper.ConnectString;
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        var malformed = await ImportAsync("--zookeeper", "not a connect string");
        var noPort = await ImportAsync("--zookeeper", "127.0.0.1/journal");
        var noChroot = await ImportAsync("--zookeeper", zk + "/no-such-chroot-" + Guid.NewGuid().ToString("N")[..8]);
        var unreachable = await ImportAsync("--zookeeper", $"127.0.0.1:{closedPort}", "--connect-timeout", "2s");
        var badDigest = await ImportAsync("--zookeeper", zk, "--digest", "no-colon");
        var noOption = await CliRun.RunAsync(["journal", "import", "--endpoint", fixture.Server.TcpEndpoint]);

        foreach (var run in new[] { malformed, noPort, noChroot, unreachable, badDigest, noOption })
        {
            run.AssertOneLineError();
        }

        Assert.Contains("does not exist", noChroot.Error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{closedPort}", unreachable.Error, StringComparison.Ordinal);
        Assert.Contains("--digest must be USER:PASSWORD", badDigest.Error, StringComparison.Ordinal);
        Assert.Contains("--zookeeper", noOption.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WhenTheCairnServerIsUnreachable_SaysSo_BeforeReadingZooKeeper()
    {
        var run = await CliRun.RunAsync(["journal", "import", "--zookeeper", "127.0.0.1:1/none", "--endpoint", "http://127.0.0.1:1"]);

        Assert.Contains("Cannot reach the Cairn server", run.AssertOneLineError(), StringComparison.Ordinal);
    }
}
