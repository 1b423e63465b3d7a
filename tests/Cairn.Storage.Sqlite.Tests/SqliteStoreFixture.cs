using Cairn.Core;

namespace Cairn.Storage.Sqlite.Tests;

/// <summary>Opens stores in one temp directory for one test and removes the directory afterwards.</summary>
internal sealed class SqliteStoreFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public string DatabasePath => _directory.File("cairn.db");

    public async Task<IKeyspace> OpenAsync() => await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = DatabasePath });

    public void Dispose() => _directory.Dispose();
}
