using Cairn.Storage.Sqlite;

namespace Cairn.Journal.Tests;

/// <summary>The journal conformance on the embedded store: a new database per test.</summary>
public sealed class SqliteJournalConformance : JournalConformance
{
    protected override async Task<IKeyspace> OpenStoreAsync(string directory) =>
        await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(directory, "cairn.db") });
}

/// <summary>One real etcd process for every test of a class (starting one per test would dominate the run time).</summary>
public sealed class EtcdJournalFixture : IAsyncLifetime
{
    public EtcdServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await EtcdServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The journal conformance on a real etcd. Tests of one class run one after another and share the process; each
/// connects its own client and starts from a store with no journal keys.
/// </summary>
public sealed class EtcdJournalConformance(EtcdJournalFixture etcd) : JournalConformance, IClassFixture<EtcdJournalFixture>
{
    protected override async Task<IKeyspace> OpenStoreAsync(string directory)
    {
        var store = await JournalTestSupport.ConnectAsync(etcd.Server, TimeSpan.FromSeconds(20));
        await store.DeleteAsync(new DeleteRequest(KeyRange.Prefix(JournalKeys.Root)));
        return store;
    }
}
