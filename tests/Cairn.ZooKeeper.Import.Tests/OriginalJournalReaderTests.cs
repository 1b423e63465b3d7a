using System.Text;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>How the original Journal's znodes are read: which copy of a step wins, in what order steps come, and what is
/// refused. Against a tree in memory; the real ZooKeeper is in the CLI's end-to-end tests.</summary>
public sealed class OriginalJournalReaderTests
{
    private static byte[] Z(string json) => ZLibDataTests.Compress(Encoding.UTF8.GetBytes(json));

    private static byte[] History(params string[] rows) => Z(OriginalDumps.With(rows));

    private static Task<OriginalJournal> ReadAsync(FakeZNodes tree, bool atServerRoot = false) =>
        new OriginalJournalReader(tree, atServerRoot).ReadAsync();

    private static string Text(OriginalJournalEntry entry) => Encoding.UTF8.GetString(entry.Message.Span);

    [Fact]
    public async Task Read_LiveStepsAndHistoryRows_OldestFirst_EachStepOnce_AsTheOriginalReadIt()
    {
        var tree = new FakeZNodes()
            .Add("/history/sqlite-db#0000000001", History(OriginalDumps.Row(1, "r-1", "begin"), OriginalDumps.Row(2, "r-1", "commit", "'\"old\"'")))
            .Add("/history/sqlite-db#0000000002", History(OriginalDumps.Row(3, "r-2", "begin"), OriginalDumps.Row(4, "r-1", "commit", "'\"new\"'"), OriginalDumps.Row(5, "r-1", "commit", "'\"later row\"'")))
            .Add("/live-b/begin", Z("{\"step\": \"begin\"}"))
            .Add("/live-a/begin", Z("{\"a\": 1}"))
            .Add("/live-a/commit", Z("{\"a\": 2}"))
            .Add("/r-2/commit", Z("{\"live\": true}"))
            .Add("/live-a_lock/f3a1__lock__0000000001");

        var journal = await ReadAsync(tree);

        Assert.Equal(
            [
                ("r-1", "begin", OriginalJournalSource.History, "/history/sqlite-db#0000000001 row 1 (id 1)"),
                ("r-2", "begin", OriginalJournalSource.History, "/history/sqlite-db#0000000002 row 1 (id 3)"),
                ("r-1", "commit", OriginalJournalSource.History, "/history/sqlite-db#0000000002 row 2 (id 4)"),
                ("live-b", "begin", OriginalJournalSource.Live, "/live-b/begin"),
                ("live-a", "begin", OriginalJournalSource.Live, "/live-a/begin"),
                ("live-a", "commit", OriginalJournalSource.Live, "/live-a/commit"),
                ("r-2", "commit", OriginalJournalSource.Live, "/r-2/commit"),
            ],
            journal.Entries.Select(e => (e.Txid, e.Step, e.Source, e.Origin)));
        Assert.Contains("\"payload\": \"new\"", Text(journal.Entries[2]), StringComparison.Ordinal);
        Assert.Equal("{\"a\": 2}", Text(journal.Entries[5]));
        Assert.Equal(2, journal.Superseded); // r-1's older commit, and the later row of the same node
        Assert.Equal(1, journal.LockNodes);
        Assert.Equal(2, journal.HistoryNodes);
        Assert.Empty(journal.Problems);
        Assert.Empty(journal.Differences);
    }

    [Fact]
    public async Task Read_ARequestsRowsInANode_BeginFirst_CommitOrAbortLast_WhateverOrderTheFolderWroteThemIn()
    {
        var tree = new FakeZNodes().Add("/history/sqlite-db#0000000000", History(
            OriginalDumps.Row(1, "tx", "commit"), OriginalDumps.Row(2, "tx", "authorization"), OriginalDumps.Row(3, "tx", "begin"), OriginalDumps.Row(4, "tx", "audit")));

        var journal = await ReadAsync(tree);

        Assert.Equal(["begin", "authorization", "audit", "commit"], journal.Entries.Select(e => e.Step));
    }

    [Fact]
    public async Task Read_ALiveStepOverAHistoryRowOfTheSameStep_TheLiveOneWins()
    {
        var tree = new FakeZNodes()
            .Add("/history/sqlite-db#0000000007", History(OriginalDumps.Row(1, "tx", "begin")))
            .Add("/tx/begin", Z("{\"live\": 1}"));

        var journal = await ReadAsync(tree);

        var entry = Assert.Single(journal.Entries);
        Assert.Equal(OriginalJournalSource.Live, entry.Source);
        Assert.Equal(1, journal.Superseded);
    }

    [Fact]
    public async Task Read_HistoryNodesInSerialNumberOrder_AcrossTheWrapOfTheSequence()
    {
        // 2147483647 is followed by -2147483648: the negative one is the newer, and its copy is the one read.
        var tree = new FakeZNodes()
            .Add("/history/sqlite-db#-2147483648", History(OriginalDumps.Row(1, "tx", "commit", "'\"newest\"'")))
            .Add("/history/sqlite-db#2147483647", History(OriginalDumps.Row(1, "tx", "commit", "'\"older\"'"), OriginalDumps.Row(2, "tx", "begin")))
            .Add("/history/sqlite-db#2147483600", History(OriginalDumps.Row(1, "tx", "commit", "'\"oldest\"'")));

        var journal = await ReadAsync(tree);

        Assert.Equal(["begin", "commit"], journal.Entries.Select(e => e.Step));
        Assert.Contains("\"payload\": \"newest\"", Text(journal.Entries[1]), StringComparison.Ordinal);
        Assert.StartsWith("/history/sqlite-db#-2147483648 ", journal.Entries[1].Origin, StringComparison.Ordinal);
        Assert.Equal(2, journal.Superseded);
    }

    [Fact]
    public async Task Read_NamesCairnRefuses_AndDamagedData_AreProblems_NamingTheZnode_AndTheRestIsRead()
    {
        var longTxid = new string('t', 4097);
        var tree = new FakeZNodes()
            .Add($"/{longTxid}/begin", Z("{}"))
            .Add($"/ok/{new string('s', 4097)}", Z("{}"))
            .Add("/ok/begin", Z("{\"fine\": true}"))
            .Add("/ok/commit", Encoding.UTF8.GetBytes("{\"not\": \"compressed\"}"))
            .Add("/ok/abort", Z("{not json"))
            .Add("/history/sqlite-db#0000000001", History(OriginalDumps.Row(1, "a/b", "begin"), OriginalDumps.Row(2, "..", "begin"), OriginalDumps.Row(3, "good", "begin")))
            .Add("/history/sqlite-db#0000000002", History(OriginalDumps.Row(1, "x", "begin"), "ATTACH DATABASE '/tmp/evil.db' AS evil;"))
            .Add("/history/sqlite-db#0000000003", Z("not sql at all 'unterminated"))
            .Add("/history/notes.txt", "left by someone");

        var journal = await ReadAsync(tree);

        Assert.Equal([("good", "begin"), ("ok", "begin")], journal.Entries.Select(e => (e.Txid, e.Step)));
        var problems = journal.Problems.ToDictionary(p => p.Origin, p => p.Reason);
        Assert.Equal(9, problems.Count);
        Assert.StartsWith("Cairn refuses this request id: The request id (txid) is 4097 bytes long", problems["/" + longTxid], StringComparison.Ordinal);
        Assert.StartsWith("Cairn refuses this step name: The step is 4097 bytes long", problems[$"/ok/{new string('s', 4097)}"], StringComparison.Ordinal);
        Assert.Contains("not zlib-compressed", problems["/ok/commit"], StringComparison.Ordinal);
        Assert.StartsWith("Its message is not one the journal takes", problems["/ok/abort"], StringComparison.Ordinal);
        Assert.Contains("contains '/'", problems["/history/sqlite-db#0000000001 row 1 (id 1)"], StringComparison.Ordinal);
        Assert.Contains("must not be '..'", problems["/history/sqlite-db#0000000001 row 2 (id 2)"], StringComparison.Ordinal);
        Assert.Contains("'ATTACH DATABASE a string…'", problems["/history/sqlite-db#0000000002"], StringComparison.Ordinal);
        Assert.EndsWith("None of its rows is imported.", problems["/history/sqlite-db#0000000002"], StringComparison.Ordinal);
        Assert.Contains("is not closed", problems["/history/sqlite-db#0000000003"], StringComparison.Ordinal);
        Assert.Contains("not a history node", problems["/history/notes.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_RequestsWhoseCairnStatusIsNotTheOriginalsAnswer_AreListed()
    {
        var tree = new FakeZNodes()
            // A live begin hid the history's commit from the original's status; Cairn sees both.
            .Add("/history/sqlite-db#0000000001", History(OriginalDumps.Row(1, "hidden", "commit"), OriginalDumps.Row(2, "older", "commit"), OriginalDumps.Row(3, "split", "begin")))
            // The newest node with a begin/commit/abort of 'older' has only its abort: the original said aborted.
            .Add("/history/sqlite-db#0000000002", History(OriginalDumps.Row(4, "older", "abort")))
            .Add("/hidden/begin", Z("{}"))
            // Begin folded, commit live: both say committed.
            .Add("/split/commit", Z("{}"));

        var journal = await ReadAsync(tree);

        Assert.Equal(
            [new OriginalStatusDifference("hidden", "in-progress", "committed"), new OriginalStatusDifference("older", "aborted", "committed")],
            journal.Differences);
    }

    [Fact]
    public async Task Read_AtTheServersRoot_PassesOverZooKeepersOwnNode_ButUnderAChrootItIsARequest()
    {
        var tree = new FakeZNodes().Add("/zookeeper/quota").Add("/zookeeper/begin", Z("{}"));

        Assert.Empty((await ReadAsync(tree, atServerRoot: true)).Entries);
        Assert.Single((await ReadAsync(tree, atServerRoot: false)).Entries);
    }

    [Fact]
    public async Task Read_AMissingRoot_IsAnError()
    {
        var error = await Assert.ThrowsAsync<OriginalLayoutException>(() => new OriginalJournalReader(new EmptyTree(), false).ReadAsync());

        Assert.Equal("/", error.Path);
    }

    private sealed class EmptyTree : IZNodeSource
    {
        public Task<IReadOnlyList<string>?> GetChildrenAsync(string path, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>?>(null);

        public Task<ZNode?> GetDataAsync(string path, CancellationToken cancellationToken) => Task.FromResult<ZNode?>(null);
    }
}
