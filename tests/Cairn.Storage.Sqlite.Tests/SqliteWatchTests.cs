using Cairn.Conformance;
using Cairn.Core;

namespace Cairn.Storage.Sqlite.Tests;

public sealed class SqliteWatchTests : WatchConformance
{
    private readonly SqliteStoreFixture _fixture = new();

    protected override Task<IKeyspace> CreateStoreAsync() => _fixture.OpenAsync();

    protected override async Task DestroyStoreAsync(IKeyspace store)
    {
        await base.DestroyStoreAsync(store);
        _fixture.Dispose();
    }
}
