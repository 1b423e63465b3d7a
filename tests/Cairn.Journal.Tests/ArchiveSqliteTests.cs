using Cairn.Storage.Sqlite;

namespace Cairn.Journal.Tests;

/// <summary>The archive behaviour on the embedded store.</summary>
public sealed class ArchiveSqliteTests : ArchiveBehaviour
{
    protected override async Task<IKeyspace> OpenStoreAsync() =>
        await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(WorkDirectory, "store", "cairn.db") });

    protected override async Task CloseStoreAsync(IKeyspace store) => await store.DisposeAsync();
}
