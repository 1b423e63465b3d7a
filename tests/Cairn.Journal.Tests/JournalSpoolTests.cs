using Cairn.Contracts;
using Cairn.Storage.Sqlite;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>The secondary directory on its own: atomic, first-write-wins files, and what it skips.</summary>
public sealed class JournalSpoolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-spool-").FullName;

    private string SpoolPath => Path.Combine(_directory, "secondary");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Write_ThenRead_GivesTheEntryBack_MarkedSecondary()
    {
        var spool = new JournalSpool(SpoolPath);
        var entry = new JournalEntry("tx-1", "begin", T0, Json("""{"a": [1, 2]}"""), 42, "node-1");

        var (written, isNew) = spool.Write(entry);

        Assert.True(isNew);
        Assert.Equal(JournalSource.Secondary, written.Source);
        Assert.Equal(0, written.Revision);
        var read = spool.Read("tx-1", "begin");
        Assert.NotNull(read);
        Assert.Equal(written with { Message = default }, read with { Message = default });
        Assert.Equal("""{"a": [1, 2]}""", Text(read.Message));
        Assert.Equal(["tx-1#begin"], FileNames(SpoolPath));
        Assert.Null(spool.Read("tx-1", "commit"));
    }

    [Fact]
    public async Task ConcurrentWritesOfOneStep_OneWinner_AndNoTemporaryFileLeft()
    {
        for (var round = 0; round < 30; round++)
        {
            var spool = new JournalSpool(SpoolPath);
            var step = $"step-{round}";

            // Every writer prepares, then all are released at once, so their check-and-publish steps overlap.
            using var gate = new ManualResetEventSlim();
            var writers = Enumerable.Range(0, 16).Select(i => Task.Factory.StartNew(
                () =>
                {
                    var writer = new JournalSpool(SpoolPath);
                    var entry = new JournalEntry("tx-race", step, T0, Json($"{i}"), 0, $"node-{i}");
                    gate.Wait();
                    return writer.Write(entry);
                },
                TaskCreationOptions.LongRunning)).ToList();
            gate.Set();
            var results = await Task.WhenAll(writers);

            var winner = Assert.Single(results, r => r.Written);
            Assert.All(results, r => Assert.Equal(Text(winner.Entry.Message), Text(r.Entry.Message)));
            Assert.All(results, r => Assert.Equal(winner.Entry.Node, r.Entry.Node));
            Assert.Equal(Text(winner.Entry.Message), Text(spool.Read("tx-race", step)!.Message));
        }

        Assert.Equal(Enumerable.Range(0, 30).Select(r => $"tx-race#step-{r}").Order(StringComparer.Ordinal), FileNames(SpoolPath));
    }

    [Fact]
    public void ALeftoverTemporaryFile_IsIgnoredByReadAll_AndRemovedOnceStale()
    {
        var spool = new JournalSpool(SpoolPath);
        spool.Write(new JournalEntry("tx-1", "begin", T0, Json("{}"), 0, "n"));

        // A writer died mid-write: half an entry under a temporary name, and one that was complete but never moved.
        var half = Path.Combine(SpoolPath, ".tmp-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(half, JournalCodec.EncodeEntry(new JournalEntry("tx-2", "begin", T0, Json("{}"), 0, "n"))[..10]);
        var whole = Path.Combine(SpoolPath, ".tmp-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(whole, JournalCodec.EncodeEntry(new JournalEntry("tx-3", "begin", T0, Json("{}"), 0, "n")));

        Assert.Equal(["tx-1"], spool.ReadAll().Select(e => e.Txid));
        Assert.Equal(0, spool.RemoveStaleTemporaries(TimeSpan.FromHours(1)));
        Assert.Equal(3, FileNames(SpoolPath).Length);

        File.SetLastWriteTimeUtc(half, DateTime.UtcNow - TimeSpan.FromHours(2));
        Assert.Equal(1, spool.RemoveStaleTemporaries(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(half));
        Assert.True(File.Exists(whole));
        Assert.Equal(["tx-1"], spool.ReadAll().Select(e => e.Txid));
    }

    [Fact]
    public void FilesThatAreNotEntries_AreSkipped_NeverFatal()
    {
        var spool = new JournalSpool(SpoolPath);
        spool.Write(new JournalEntry("tx-ok", "begin", T0, Json("1"), 0, "n"));
        var entry = JournalCodec.EncodeEntry(new JournalEntry("tx-x", "begin", T0, Json("{}"), 0, "n"));
        File.WriteAllText(Path.Combine(SpoolPath, "tx-garbage#begin"), "not gzip");
        File.WriteAllBytes(Path.Combine(SpoolPath, "tx-truncated#begin"), entry[..(entry.Length - 8)]);
        File.WriteAllBytes(Path.Combine(SpoolPath, "tx-empty#begin"), []);
        File.WriteAllBytes(Path.Combine(SpoolPath, "tx-misnamed#begin"), entry);
        File.WriteAllBytes(Path.Combine(SpoolPath, "README"), entry);
        Directory.CreateDirectory(Path.Combine(SpoolPath, "tx-dir#begin"));

        Assert.Equal(["tx-ok"], spool.ReadAll().Select(e => e.Txid));
        Assert.Null(spool.Read("tx-garbage", "begin"));
        Assert.Null(spool.Read("tx-truncated", "begin"));
        Assert.Null(spool.Read("tx-misnamed", "begin"));
        Assert.Empty(spool.ReadRequest("tx-empty"));
    }

    [Fact]
    public void UnderscoresInTxidsAndSteps_KeepRequestsApart()
    {
        var spool = new JournalSpool(SpoolPath);
        spool.Write(new JournalEntry("a_b_c", "begin", T0, Json("1"), 0, "n"));
        spool.Write(new JournalEntry("a_b", "c_begin", T0, Json("2"), 0, "n"));
        spool.Write(new JournalEntry("a", "b_c_begin", T0, Json("3"), 0, "n"));

        Assert.Equal(["a#b_c_begin", "a_b#c_begin", "a_b_c#begin"], FileNames(SpoolPath));
        Assert.Equal(["begin"], spool.ReadRequest("a_b_c").Select(e => e.Step));
        Assert.Equal(["c_begin"], spool.ReadRequest("a_b").Select(e => e.Step));
        Assert.Equal(["b_c_begin"], spool.ReadRequest("a").Select(e => e.Step));
        Assert.Equal(
            ["a/b_c_begin", "a_b/c_begin", "a_b_c/begin"],
            spool.ReadAll().Select(e => e.Txid + "/" + e.Step).Order(StringComparer.Ordinal));

        spool.Remove("a_b", "c_begin");
        Assert.Equal(["a#b_c_begin", "a_b_c#begin"], FileNames(SpoolPath));
    }

    [Fact]
    public void ADirectoryThatCannotExist_FailsWrites_WithAnIOException_AndReadsAsEmpty()
    {
        var blocker = Path.Combine(_directory, "file");
        File.WriteAllText(blocker, "x");
        var spool = new JournalSpool(Path.Combine(blocker, "secondary"));

        Assert.ThrowsAny<IOException>(() => spool.Write(new JournalEntry("tx-1", "begin", T0, Json("{}"), 0, "n")));
        Assert.Null(spool.Read("tx-1", "begin"));
    }

    [Fact]
    public void AMissingDirectory_IsCreatedAgainOnWrite()
    {
        var spool = new JournalSpool(SpoolPath);
        Directory.Delete(SpoolPath);

        Assert.Empty(spool.ReadAll());
        Assert.Empty(spool.ReadRequest("tx-1"));
        Assert.True(spool.Write(new JournalEntry("tx-1", "begin", T0, Json("{}"), 0, "n")).Written);
        Assert.Equal(["tx-1#begin"], FileNames(SpoolPath));
    }

    [Fact]
    public async Task AnUnusableSecondary_DoesNotStopAppendsOrStatus_WhileTheStoreWorks()
    {
        var blocker = Path.Combine(_directory, "file");
        await File.WriteAllTextAsync(blocker, "x");
        await using var store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_directory, "cairn.db") });
        var journal = new JournalService(store, new JournalOptions { SecondaryDirectory = Path.Combine(blocker, "secondary") });

        var result = await journal.AppendAsync("tx-1", "begin", Json("{}"));
        Assert.True(result.Created);
        Assert.False(result.Spooled);
        Assert.Equal(JournalState.InProgress, (await journal.GetStatusAsync("tx-1")).State);
        Assert.Equal(0, await journal.ResyncAsync());
    }

    [Fact]
    public void NamesOfTheOldRules_KeepTheirFileNames_AndFilesAnEarlierVersionWroteAreRead()
    {
        var txid = new string('t', 128);
        var step = new string('s', 64);
        Assert.Equal("tx-1.a:b_c#begin", JournalSpool.FileNameOf("tx-1.a:b_c", "begin"));
        Assert.Equal(txid + "#" + step, JournalSpool.FileNameOf(txid, step));

        // As an earlier version spooled them: the name is txid#step, the bytes those of the entry.
        Directory.CreateDirectory(SpoolPath);
        File.WriteAllBytes(Path.Combine(SpoolPath, "tx-old#begin"), JournalCodec.EncodeEntry(new JournalEntry("tx-old", "begin", T0, Json("1"), 0, "n")));
        File.WriteAllBytes(Path.Combine(SpoolPath, txid + "#" + step), JournalCodec.EncodeEntry(new JournalEntry(txid, step, T0, Json("2"), 0, "n")));
        var spool = new JournalSpool(SpoolPath);

        Assert.Equal("1", Text(spool.Read("tx-old", "begin")!.Message));
        Assert.Equal("2", Text(Assert.Single(spool.ReadRequest(txid)).Message));
        Assert.Equal(2, spool.ReadAll().Count);
        Assert.False(spool.Write(new JournalEntry("tx-old", "begin", T0, Json("3"), 0, "n")).Written);
    }

    public static TheoryData<string> AwkwardNames => new()
    {
        "café", "a b", "a%20b", "a+b", "a#b", "a~b", ".hidden", "...", ".tmp-x", "..%2F..%2Fetc", "a\\b", "a*?[]", "日本語", "😀",
        "\u0080", "%", "~", "#",
    };

    [Theory]
    [MemberData(nameof(AwkwardNames))]
    public void AnyName_MakesASafeFileName_ThatReadsBack(string name)
    {
        var spool = new JournalSpool(SpoolPath);
        var entry = new JournalEntry(name, name, T0, Json("{}"), 0, "n");

        Assert.True(spool.Write(entry).Written);

        var file = Assert.Single(FileNames(SpoolPath));
        Assert.Equal(JournalSpool.FileNameOf(name, name), file);
        Assert.Matches("^[A-Za-z0-9_:%~-][A-Za-z0-9._:%~-]*#[A-Za-z0-9_:%~-][A-Za-z0-9._:%~-]*$", file);
        Assert.Equal(name, spool.Read(name, name)!.Txid);
        Assert.Equal(name, Assert.Single(spool.ReadRequest(name)).Step);
        Assert.Equal(name, Assert.Single(spool.ReadAll()).Txid);
        Assert.Equal(0, spool.RemoveStaleTemporaries(TimeSpan.Zero));
        spool.Remove(name, name);
        Assert.Empty(FileNames(SpoolPath));
        Assert.Equal([SpoolPath], Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void NamesThatLookAlikeAsFileNames_StayApart()
    {
        var spool = new JournalSpool(SpoolPath);
        var longStart = new string('x', 300);
        string[] names = ["a b", "a%20b", "a+b", "a%2520b", "~", "%7E", ".x", "%2Ex", longStart + "1", longStart + "2", longStart, new string('é', 2048), new string('é', 2047) + "e"];
        foreach (var name in names)
        {
            spool.Write(new JournalEntry(name, "begin", T0, Json(System.Text.Json.JsonSerializer.Serialize(name)), 0, "n"));
            spool.Write(new JournalEntry("tx", name, T0, Json(System.Text.Json.JsonSerializer.Serialize(name)), 0, "n"));
        }

        Assert.Equal(2 * names.Length, FileNames(SpoolPath).Length);
        Assert.All(FileNames(SpoolPath), f => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(f), 3, 255));
        foreach (var name in names)
        {
            var quoted = System.Text.Json.JsonSerializer.Serialize(name);
            Assert.Equal(quoted, Text(Assert.Single(spool.ReadRequest(name)).Message));
            Assert.Equal(quoted, Text(spool.Read("tx", name)!.Message));
        }
    }

    [Fact]
    public void TheLongestNames_MakeFileNamesOfAtMost255Bytes()
    {
        var spool = new JournalSpool(SpoolPath);
        var txid = string.Concat(Enumerable.Repeat("😀", JournalNames.MaxTxidBytes / 4));
        var step = new string('é', JournalNames.MaxStepBytes / 2);

        spool.Write(new JournalEntry(txid, step, T0, Json("1"), 0, "n"));

        var file = Assert.Single(FileNames(SpoolPath));
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(file), 200, 255);
        Assert.Equal("1", Text(spool.Read(txid, step)!.Message));
        Assert.Equal(step, Assert.Single(spool.ReadRequest(txid)).Step);
    }
}
