using System.IO.Compression;
using System.Text;
using Cairn.Contracts;
using Cairn.Storage;
using Microsoft.Extensions.Time.Testing;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>
/// Messages too large for the keyspace, on any store: they go to the large-message store with a small pointer in their
/// step key, every read gives them back whole, a repeated or losing write leaves no content behind, a crash leaves
/// nothing the archiver does not find, and history keeps them until retention removes them with their segment.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class LargeMessageBehaviour(Backend backend) : IAsyncLifetime
{
    private const int Threshold = 64 * 1024;

    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-large-").FullName;
    private readonly FakeTimeProvider _time = new(T0);
    private readonly MemoryMessageStore _contents = new();
    private IKeyspace _store = null!;

    private string Secondary => Path.Combine(_directory, "secondary");

    private string ExportDirectory => Path.Combine(_directory, "export");

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_directory);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ATenMegabyteMessage_IsStoredOutOfTheKeyspace_AndEveryReadGivesItBackWhole()
    {
        var journal = Journal();
        var commit = Message("tx-big", 10_000_000);
        await journal.AppendAsync("tx-big", "begin", Json("""{"user_id":"u1"}"""));
        using var watch = new CancellationTokenSource(Deadline);
        var watched = journal.WatchAsync("tx-big", cancellationToken: watch.Token).GetAsyncEnumerator(watch.Token);
        var next = watched.MoveNextAsync();

        var appended = await journal.AppendAsync("tx-big", "commit", commit);

        Assert.True(appended.Created);
        Assert.Equal(commit, appended.Entry.Message.ToArray());
        var name = Assert.Single(_contents.Names);
        Assert.StartsWith("journal/", name, StringComparison.Ordinal);
        await AssertKeyspaceValuesAreSmallAsync();
        Assert.Empty(await PendingAsync());

        Assert.Equal(commit, (await journal.GetStatusAsync("tx-big")).Message.ToArray());
        var request = await journal.GetAsync("tx-big");
        Assert.Equal(commit, request!.Steps.Single(s => s.Step == "commit").Message.ToArray());
        Assert.Equal("req-tx-big", request.Fields.RequestId);
        Assert.True(await next);
        Assert.Equal(commit, watched.Current.Message.ToArray());
        await watched.DisposeAsync();

        // Another node (another journal on the same store and contents) reads it the same.
        Assert.Equal(commit, (await Journal(node: "node-2").GetStatusAsync("tx-big")).Message.ToArray());
    }

    [Fact]
    public async Task SmallAndHighlyCompressibleMessages_StayInTheirStepKey()
    {
        var journal = Journal();
        var spaces = Json("{\"payload\":\"" + new string(' ', 5_000_000) + "\"}");

        await journal.AppendAsync("tx-1", "begin", Json("""{"user_id":"u1"}"""));
        await journal.AppendAsync("tx-1", "commit", spaces);

        Assert.Empty(_contents.Names);
        Assert.Equal(spaces, (await journal.GetStatusAsync("tx-1")).Message.ToArray());
        await AssertKeyspaceValuesAreSmallAsync();
    }

    [Fact]
    public async Task ARepeatedStep_KeepsItsFirstMessage_AndStoresNoSecondContent()
    {
        var journal = Journal();
        var first = Message("tx-r", 300_000, seed: 1);

        await journal.AppendAsync("tx-r", "commit", first);
        var again = await journal.AppendAsync("tx-r", "commit", Message("tx-r", 300_000, seed: 2));

        Assert.False(again.Created);
        Assert.Equal(first, again.Entry.Message.ToArray());
        Assert.Single(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Equal(first, (await journal.GetStatusAsync("tx-r")).Message.ToArray());
    }

    [Fact]
    public async Task ConcurrentWritersOfOneStep_OneWins_AndTheLosersContentsAreRemoved()
    {
        var nodes = new[] { Journal(), Journal(node: "node-2") };
        var messages = Enumerable.Range(0, 6).Select(i => Message("tx-race", 200_000, seed: i)).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, messages.Length).Select(i =>
            Task.Run(() => nodes[i % 2].AppendAsync("tx-race", "commit", messages[i]))));

        var winner = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(winner.Entry.Message.ToArray(), r.Entry.Message.ToArray()));
        Assert.Single(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Equal(winner.Entry.Message.ToArray(), (await nodes[0].GetStatusAsync("tx-race")).Message.ToArray());
    }

    [Fact]
    public async Task ACrashBeforeTheStepIsCommitted_LeavesAContentWithItsRecord_WhichTheArchiverRemovesAfterTheGrace()
    {
        // Operations: 0 look for the step, 1 record the content, (the content), 2 read the summary: the process dies.
        await using var dying = new ArchiveFaultyKeyspace(_store) { CrashAt = 2 };
        await Assert.ThrowsAnyAsync<Exception>(() => Journal(dying, secondary: false).AppendAsync("tx-c", "commit", Message("tx-c", 200_000)));
        Assert.Single(_contents.Names);
        Assert.Single(await PendingAsync());
        Assert.Null(await StepKeyAsync(_store, "tx-c", "commit"));

        // After a restart: kept within the grace (it might be an append still going), removed after it.
        var journal = Journal();
        await Archiver(journal).RunOnceAsync();
        Assert.Single(_contents.Names);
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();

        Assert.Empty(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Equal(JournalState.Unknown, (await journal.GetStatusAsync("tx-c")).State);
    }

    [Fact]
    public async Task ACrashRightAfterTheStepIsCommitted_KeepsTheContent_ForTheStepThatPointsToIt()
    {
        // Operation 3 is the commit: it reaches the store, then the process dies before it sees the answer.
        var message = Message("tx-d", 200_000);
        await using var dying = new ArchiveFaultyKeyspace(_store) { CrashAt = 3, ApplyThenCrash = true };
        await Assert.ThrowsAnyAsync<Exception>(() => Journal(dying, secondary: false).AppendAsync("tx-d", "commit", message));

        var journal = Journal();
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();

        Assert.Single(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Equal(message, (await journal.GetStatusAsync("tx-d")).Message.ToArray());
    }

    [Fact]
    public async Task AnAppendSlowerThanTheGrace_IsRefused_AndLeavesNothingBehind()
    {
        var storing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _contents.BeforePut = async _ =>
        {
            storing.TrySetResult();
            await proceed.Task;
        };
        var journal = Journal(secondary: false);
        var append = journal.AppendAsync("tx-slow", "commit", Message("tx-slow", 200_000));
        await storing.Task.WaitAsync(Deadline);

        // The archiver takes the record for one left by a crash while the content is still on its way.
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();
        proceed.SetResult();

        await Assert.ThrowsAsync<UnavailableException>(() => append);
        Assert.Empty(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Null(await StepKeyAsync(_store, "tx-slow", "commit"));
    }

    [Fact]
    public async Task WhenTheContentCannotBeStored_TheEntryIsSpooled_AndTheResyncStoresItOutOfTheKeyspace()
    {
        var message = Message("tx-s", 300_000);
        _contents.BeforePut = _ => throw new InsufficientStorageException("No volume has room.");
        var journal = Journal();

        var spooled = await journal.AppendAsync("tx-s", "commit", message);

        Assert.True(spooled.Spooled);
        Assert.Equal(["tx-s#commit"], FileNames(Secondary));
        Assert.Empty(_contents.Names);
        Assert.Empty(await PendingAsync());
        Assert.Equal(message, (await journal.GetStatusAsync("tx-s")).Message.ToArray());

        _contents.BeforePut = null;
        Assert.Equal(1, await journal.ResyncAsync());

        Assert.Empty(FileNames(Secondary));
        Assert.Single(_contents.Names);
        await AssertKeyspaceValuesAreSmallAsync();
        var status = await journal.GetStatusAsync("tx-s");
        Assert.Equal(message, status.Message.ToArray());
        Assert.Equal(JournalSource.Primary, (await journal.GetAsync("tx-s"))!.Steps.Single().Source);
    }

    [Fact]
    public async Task AMessageOverTheLargeStoresLimit_Is413_AndLeavesNothing()
    {
        _contents.BeforePut = _ => throw new LimitExceededException("blob", 300_000, 100_000);

        var error = await Assert.ThrowsAsync<LimitExceededException>(() => Journal().AppendAsync("tx-l", "commit", Message("tx-l", 300_000)));

        Assert.Equal("message", error.What);
        Assert.Contains("Volumes", error.Message, StringComparison.Ordinal);
        Assert.Empty(_contents.Names);
        Assert.Equal(0, await JournalKeyCountAsync(_store));
        Assert.Empty(FileNames(Secondary));
    }

    [Fact]
    public async Task WithoutALargeMessageStore_AMessageTooLargeForOneValue_IsRefusedClearly_AndNothingIsWritten()
    {
        // The server's store: values up to 1 MiB. Random bytes do not compress. (Not disposed: it would close the store.)
        var limited = new LimitedKeyspace(_store, new KeyspaceLimits());
        var journal = new JournalService(limited, Options(secondary: true));

        var error = await Assert.ThrowsAsync<LimitExceededException>(() => journal.AppendAsync("tx-v", "commit", Message("tx-v", 3_000_000)));

        Assert.Equal("message", error.What);
        Assert.Contains("enable Volumes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JournalKeyCountAsync(_store));
        Assert.Empty(FileNames(Secondary));
    }

    [Fact]
    public async Task AStepInTheLargeMessageStore_ReadByAJournalWithoutOne_IsUnavailable_WithTheReason()
    {
        await Journal().AppendAsync("tx-u", "commit", Message("tx-u", 200_000));

        var error = await Assert.ThrowsAsync<UnavailableException>(() => new JournalService(_store, Options(secondary: false)).GetStatusAsync("tx-u"));

        Assert.Contains("Volumes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FoldAndExport_KeepTheMessage_AndRetentionRemovesItsContentWithTheSegment()
    {
        var journal = Journal();
        var commit = Message("tx-h", 2_000_000);
        await journal.AppendAsync("tx-h", "begin", Json("""{"user_id":"u1"}"""));
        await journal.AppendAsync("tx-h", "commit", commit);
        var name = Assert.Single(_contents.Names);
        _time.Advance(TimeSpan.FromHours(2));

        var report = await Archiver(journal).RunOnceAsync();

        // Folded: the segment holds the pointer, the content stays where it was.
        Assert.Equal(1, report.Folded);
        Assert.Equal([name], _contents.Names);
        await AssertKeyspaceValuesAreSmallAsync();
        var folded = await journal.GetAsync("tx-h");
        Assert.Equal(1, folded!.Segment);
        Assert.Equal(commit, folded.Steps.Single(s => s.Step == "commit").Message.ToArray());
        Assert.All(folded.Steps, s => Assert.Equal(JournalSource.History, s.Source));
        Assert.Equal(commit, (await journal.GetStatusAsync("tx-h")).Message.ToArray());
        Assert.Equal(commit, (await JournalHistory.ReadArchivedStatusAsync(_store, _contents, "tx-h", CancellationToken.None))!.Message.ToArray());

        // Exported: the row of the commit carries the message's payload, whole.
        var rows = ExportedRows(Assert.Single(report.Files));
        var payload = rows.Single(r => r.Contains(",commit,", StringComparison.Ordinal)).Split(',')[^1];
        Assert.Equal(PayloadOf(commit), payload);

        // Past retention: the segment goes, and its content with it.
        _time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, (await Archiver(journal).RunOnceAsync()).Removed);
        Assert.Empty(_contents.Names);
        Assert.Null(await journal.GetAsync("tx-h"));
        Assert.Empty((await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Archive)))).Kvs);
    }

    [Fact]
    public async Task ARequestWhoseContentRetentionIsRemoving_AnswersAsRemoved_NotAsAnError()
    {
        var journal = Journal();
        await journal.AppendAsync("tx-g", "commit", Message("tx-g", 200_000));
        _time.Advance(TimeSpan.FromHours(2));
        await Archiver(journal).RunOnceAsync();

        // Retention removes the contents first, then the segment: caught in between.
        await _contents.DeleteAsync(Assert.Single(_contents.Names), CancellationToken.None);

        Assert.Equal(JournalState.Unknown, (await journal.GetStatusAsync("tx-g")).State);
        Assert.Null(await journal.GetAsync("tx-g"));
    }

    private JournalOptions Options(bool secondary, string node = "node-1") => new()
    {
        SecondaryDirectory = secondary ? Secondary : null,
        ExportDirectory = ExportDirectory,
        FoldAge = TimeSpan.FromHours(1),
        Retention = TimeSpan.FromDays(30),
        InlineThreshold = Threshold,
        PendingGrace = TimeSpan.FromHours(1),
        NodeId = node,
        Time = _time,
    };

    private JournalService Journal(IKeyspace? store = null, bool secondary = true, string node = "node-1") =>
        new(store ?? _store, Options(secondary, node), largeMessages: _contents);

    private static JournalArchiver Archiver(JournalService journal) => new(journal);

    // A message of about `size` bytes that does not compress: a payload of random base64.
    private static byte[] Message(string txid, int size, int seed = 7)
    {
        var random = new byte[size * 3 / 4];
        new Random(seed).NextBytes(random);
        return Json($$"""{"request_id":"req-{{txid}}","payload":"{{Convert.ToBase64String(random)}}"}""");
    }

    private static string PayloadOf(byte[] message) =>
        System.Text.Json.JsonDocument.Parse(message).RootElement.GetProperty("payload").GetString()!;

    private static List<string> ExportedRows(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return [.. reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)];
    }

    // No key of the journal holds more than the inline threshold: large messages are elsewhere.
    private async Task AssertKeyspaceValuesAreSmallAsync()
    {
        var all = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Root)));
        Assert.NotEmpty(all.Kvs);
        Assert.All(all.Kvs, kv => Assert.True(kv.Value.Length <= Threshold, $"{kv.Key} holds {kv.Value.Length} bytes."));
    }

    private async Task<IReadOnlyList<KeyValue>> PendingAsync() =>
        (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Pending)))).Kvs;
}
