using Cairn.Storage.Sqlite;

namespace Cairn.Coordination.Tests;

/// <summary>A fresh SQLite keyspace in a temp directory, removed afterwards.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-coord-").FullName;

    public IKeyspace Store { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_dir, "cairn.db"), Durability = SqliteDurability.None });

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
