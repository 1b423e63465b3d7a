using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>
/// Failover to the secondary with a real failure: a real etcd process, stopped (SIGKILL) and started again. Each test
/// has its own etcd (from the provider, not the assembly's shared one), since it takes it down. Clients use a 2 s request timeout, so an append fails over quickly.
/// </summary>
public sealed class JournalFailoverTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-failover-").FullName;
    private readonly List<IKeyspace> _stores = [];
    private EtcdServer? _etcd;

    private FakeTimeProvider Time { get; } = new(T0);

    private EtcdServer Etcd => _etcd ?? throw new InvalidOperationException("Not initialized.");

    private string Secondary => Path.Combine(_directory, "secondary");

    public async Task InitializeAsync() => _etcd = await EtcdBackend.StartDedicatedAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task StoreDown_AppendIsSpooled_StatusAnswersFromTheSecondary_AndResyncMovesItIn()
    {
        var (store, journal) = await NodeAsync("node-1");
        await journal.AppendAsync("tx-1", "begin", Json("""{"user_id":"u1"}"""));
        await Etcd.StopAsync();

        Time.Advance(TimeSpan.FromMinutes(1));
        var spooled = await journal.AppendAsync("tx-1", "commit", Json("""{"status":"done"}"""));
        Assert.True(spooled.Spooled);
        Assert.True(spooled.Created);
        Assert.Equal(JournalSource.Secondary, spooled.Entry.Source);
        Assert.Equal(["tx-1#commit"], FileNames(Secondary));
        var again = await journal.AppendAsync("tx-1", "commit", Json("""{"status":"other"}"""));
        Assert.True(again.Spooled);
        Assert.False(again.Created);
        Assert.Equal("""{"status":"done"}""", Text(again.Entry.Message));

        // While the store is down, status still answers for what the secondary holds...
        var status = await journal.GetStatusAsync("tx-1");
        Assert.Equal(JournalState.Committed, status.State);
        Assert.Equal("""{"status":"done"}""", Text(status.Message));
        var request = await journal.GetAsync("tx-1");
        Assert.Equal(JournalSource.Secondary, Assert.Single(request!.Steps).Source);

        // ...and says "unavailable", not "not found", for what it does not hold.
        await Assert.ThrowsAsync<UnavailableException>(() => journal.GetStatusAsync("tx-unknown"));

        await Etcd.StartAgainAsync();
        await WaitUntilServingAsync(store);
        Assert.Equal(1, await journal.ResyncAsync());
        Assert.Empty(FileNames(Secondary));

        request = await journal.GetAsync("tx-1");
        Assert.Equal(["begin", "commit"], request!.Steps.Select(s => s.Step));
        Assert.All(request.Steps, s => Assert.Equal(JournalSource.Primary, s.Source));
        Assert.Equal(T0 + TimeSpan.FromMinutes(1), request.Steps[1].At);
        Assert.Equal("""{"status":"done"}""", Text((await journal.GetStatusAsync("tx-1")).Message));
        Assert.Equal(JournalState.Committed, Assert.Single((await journal.ListAsync(new JournalQuery())).Requests).State);
        Assert.Equal(0, await journal.ResyncAsync());
    }

    [Fact]
    public async Task SpooledFirst_ThenADifferentMessageAfterRecovery_TheSpooledMessageWins()
    {
        var (store, journal) = await NodeAsync("node-1");
        await Etcd.StopAsync();
        var spooled = await journal.AppendAsync("tx-a", "begin", Json("\"first\""));
        Assert.True(spooled.Spooled);

        await Etcd.StartAgainAsync();
        await WaitUntilServingAsync(store);
        Time.Advance(TimeSpan.FromMinutes(5));
        var later = await journal.AppendAsync("tx-a", "begin", Json("\"second\""));

        Assert.False(later.Created);
        Assert.False(later.Spooled);
        Assert.Equal("\"first\"", Text(later.Entry.Message));
        Assert.Equal(T0, later.Entry.At);
        Assert.Empty(FileNames(Secondary));
        var key = await StepKeyAsync(store, "tx-a", "begin");
        Assert.Equal(1, key!.Version);
        Assert.Equal("\"first\"", Text(JournalCodec.DecodeEntry(key.Value.Span, key.ModRevision, JournalSource.Primary).Message));
        Assert.Equal(0, await journal.ResyncAsync());
    }

    [Fact]
    public async Task StepInTheStore_AndASpooledDuplicateFromAnotherNode_TheStoreKeepsItsMessage_AndTheFileGoes()
    {
        var (store, journal) = await NodeAsync("node-1");
        var stored = await journal.AppendAsync("tx-b", "begin", Json("\"store\""));

        // Node 2 could not reach the store and spooled the same step with another message.
        var other = new JournalSpool(Secondary);
        Assert.True(other.Write(new JournalEntry("tx-b", "begin", T0 + TimeSpan.FromSeconds(1), Json("\"spool\""), 0, "node-2")).Written);
        Assert.Equal("\"store\"", Text(Assert.Single((await journal.GetAsync("tx-b"))!.Steps).Message));

        Assert.Equal(1, await journal.ResyncAsync());

        Assert.Empty(FileNames(Secondary));
        var key = await StepKeyAsync(store, "tx-b", "begin");
        Assert.Equal(1, key!.Version);
        Assert.Equal(stored.Entry.Revision, key.ModRevision);
        Assert.Equal("\"store\"", Text(Assert.Single((await journal.GetAsync("tx-b"))!.Steps).Message));
    }

    [Fact]
    public async Task TwoNodesSharingTheSecondary_ResyncConcurrently_EveryEntryIsAppliedExactlyOnce()
    {
        var (store1, node1) = await NodeAsync("node-1");
        var (_, node2) = await NodeAsync("node-2");
        var txids = Enumerable.Range(0, 15).Select(i => i % 3 == 0 ? $"tx_{i}_under_score" : $"tx-{i}").ToList();
        await Etcd.StopAsync();

        // Both nodes spool while the store is down: node 1 the begins, node 2 the commits (all at once: each waits
        // for its store timeout).
        var spooled = await Task.WhenAll(txids.SelectMany(txid => new[]
        {
            node1.AppendAsync(txid, "begin", Json($$"""{"txid":"{{txid}}","n":1}""")),
            node2.AppendAsync(txid, "commit", Json($$"""{"txid":"{{txid}}","n":2}""")),
        }));
        Assert.All(spooled, r => Assert.True(r.Spooled && r.Created));
        Assert.Equal(txids.Count * 2, FileNames(Secondary).Length);

        await Etcd.StartAgainAsync();
        await WaitUntilServingAsync(store1);
        var before = (await store1.StatusAsync()).Revision;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? node1 : node2).ResyncAsync())));

        Assert.Empty(FileNames(Secondary));
        foreach (var txid in txids)
        {
            foreach (var step in new[] { "begin", "commit" })
            {
                var key = await StepKeyAsync(store1, txid, step);
                Assert.NotNull(key);
                Assert.Equal(1, key.Version);
                Assert.InRange(key.ModRevision, before + 1, before + (txids.Count * 2));
            }

            var request = await node2.GetAsync(txid);
            Assert.Equal(JournalState.Committed, request!.State);
            Assert.Equal($$"""{"txid":"{{txid}}","n":2}""", Text((await node1.GetStatusAsync(txid)).Message));
        }

        // One store revision per entry: none was applied twice (a losing create-if-absent writes nothing).
        Assert.Equal(before + (txids.Count * 2), (await store1.StatusAsync()).Revision);
        Assert.Empty((await node1.StuckAsync(TimeSpan.Zero)).Requests);
    }

    [Fact]
    public async Task StoreDown_AndTheSecondaryUnwritable_IsUnavailable_UnsavedJournalEntry()
    {
        var (store, _) = await NodeAsync("node-1");

        // A secondary whose parent is a regular file, and one that was a directory and was replaced by a file.
        var blocker = Path.Combine(_directory, "blocker");
        await File.WriteAllTextAsync(blocker, "not a directory");
        var underAFile = Journal(store, "node-1", Path.Combine(blocker, "secondary"));
        var replaced = Journal(store, "node-1", Path.Combine(_directory, "replaced"));
        Directory.Delete(Path.Combine(_directory, "replaced"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "replaced"), "not a directory");

        // While the store works, a broken secondary does not matter.
        Assert.True((await underAFile.AppendAsync("tx-ok", "begin", Json("{}"))).Created);
        Assert.Equal(JournalState.InProgress, (await replaced.GetStatusAsync("tx-ok")).State);

        await Etcd.StopAsync();
        var error = await Assert.ThrowsAsync<UnavailableException>(() => underAFile.AppendAsync("tx_1", "commit", Json("{}")));
        Assert.Equal("Unsaved Journal entry -- tx_1##commit", error.Message);
        error = await Assert.ThrowsAsync<UnavailableException>(() => replaced.AppendAsync("tx-2", "begin", Json("{}")));
        Assert.Equal("Unsaved Journal entry -- tx-2##begin", error.Message);

        await Etcd.StartAgainAsync();
        await WaitUntilServingAsync(store);
        Assert.Null(await StepKeyAsync(store, "tx_1", "commit"));
        Assert.Null(await underAFile.GetAsync("tx-2"));
        Assert.Equal(JournalState.InProgress, (await underAFile.GetStatusAsync("tx-ok")).State);
    }

    [Fact]
    public async Task NoSecondary_StoreDown_IsUnavailable_UnsavedJournalEntry()
    {
        var store = await ConnectAsync(Etcd);
        _stores.Add(store);
        var journal = new JournalService(store, new JournalOptions { Time = Time });
        await Etcd.StopAsync();

        var error = await Assert.ThrowsAsync<UnavailableException>(() => journal.AppendAsync("tx-1", "begin", Json("{}")));
        Assert.Equal("Unsaved Journal entry -- tx-1##begin", error.Message);
        await Assert.ThrowsAsync<UnavailableException>(() => journal.GetStatusAsync("tx-1"));
    }

    [Fact]
    public async Task ATxidWithUnderscores_RoundTripsThroughTheSecondary()
    {
        const string txid = "c4f62dae_2c3a_417e_94f9_db43d86d4cd0";
        var (store, journal) = await NodeAsync("node-1");
        await Etcd.StopAsync();

        Assert.True((await journal.AppendAsync(txid, "begin", Json("""{"transaction_id":"c4f62dae_2c3a"}"""))).Spooled);
        Assert.True((await journal.AppendAsync(txid, "step_with_underscores", Json("1"))).Spooled);
        Assert.Equal([txid + "#begin", txid + "#step_with_underscores"], FileNames(Secondary));
        Assert.Equal(JournalState.InProgress, (await journal.GetStatusAsync(txid)).State);

        await Etcd.StartAgainAsync();
        await WaitUntilServingAsync(store);
        Assert.Equal(2, await journal.ResyncAsync());

        Assert.Empty(FileNames(Secondary));
        var request = await journal.GetAsync(txid);
        Assert.Equal(txid, request!.Txid);
        Assert.Equal(["begin", "step_with_underscores"], request.Steps.Select(s => s.Step).Order(StringComparer.Ordinal));
        Assert.All(request.Steps, s => Assert.Equal(JournalSource.Primary, s.Source));
        Assert.Equal("c4f62dae_2c3a", request.Fields.TransactionId);
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(txid, Assert.Single((await journal.StuckAsync(TimeSpan.Zero, limit: 10)).Requests).Txid);
    }

    [Fact]
    public async Task ResyncLoop_MovesSpooledEntriesOnceTheStoreIsBack()
    {
        var (store, journal) = await NodeAsync("node-1", resyncInterval: TimeSpan.FromMilliseconds(200));
        await Etcd.StopAsync();
        Assert.True((await journal.AppendAsync("tx-loop", "begin", Json("{}"))).Spooled);

        using var stop = new CancellationTokenSource();
        var loop = journal.RunResyncLoopAsync(stop.Token);
        await Etcd.StartAgainAsync();
        await Eventually.UntilAsync(() => FileNames(Secondary).Length == 0, Deadline, "the resync loop empties the secondary");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);

        Assert.NotNull(await StepKeyAsync(store, "tx-loop", "begin"));
    }

    [Fact]
    public async Task ASpooledEntryTheStoreRefuses_StaysInTheSecondary_AndDoesNotBlockTheOthers()
    {
        var (store, journal) = await NodeAsync("node-1");

        // Too large for etcd once spooled (another node with a larger limit, say): random text does not compress.
        var spool = new JournalSpool(Secondary);
        var huge = Json("\"" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(3 * 1024 * 1024)) + "\"");
        spool.Write(new JournalEntry("tx-huge", "begin", T0, huge, 0, "node-2"));
        spool.Write(new JournalEntry("tx-fine", "begin", T0 + TimeSpan.FromSeconds(1), Json("{}"), 0, "node-2"));

        Assert.Equal(1, await journal.ResyncAsync());

        Assert.Equal(["tx-huge#begin"], FileNames(Secondary));
        Assert.NotNull(await StepKeyAsync(store, "tx-fine", "begin"));
        Assert.Null(await StepKeyAsync(store, "tx-huge", "begin"));
        Assert.Equal(0, await journal.ResyncAsync());
        Assert.Equal(JournalSource.Secondary, Assert.Single((await journal.GetAsync("tx-huge"))!.Steps).Source);
    }

    // A node: its own client of the etcd, the shared secondary. With a resync interval it runs on the real clock (the
    // loop waits on the journal's clock), otherwise on the fake one.
    private async Task<(IKeyspace Store, JournalService Journal)> NodeAsync(string node, TimeSpan? resyncInterval = null)
    {
        var store = await ConnectAsync(Etcd);
        _stores.Add(store);
        var journal = Journal(store, node, Secondary, resyncInterval is null ? Time : TimeProvider.System);
        if (resyncInterval is { } interval)
        {
            journal.Options.ResyncInterval = interval;
        }

        return (store, journal);
    }

    private JournalService Journal(IKeyspace store, string node, string secondary, TimeProvider? time = null) =>
        new(store, new JournalOptions { SecondaryDirectory = secondary, Time = time ?? Time, NodeId = node });
}
