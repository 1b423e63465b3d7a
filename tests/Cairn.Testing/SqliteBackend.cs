using Cairn.Core;
using Cairn.Storage.Sqlite;

namespace Cairn.Testing;

/// <summary>
/// The embedded backend: a new database in the test's scratch directory for every store. Stores share nothing, so test
/// classes on this provider (a class fixture) run in parallel.
/// </summary>
public sealed class SqliteBackend : Backend
{
    /// <inheritdoc />
    public override string Name => "sqlite";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <inheritdoc />
    /// <remarks>With the store's default options (full durability), as users run it.</remarks>
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default) =>
        await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(scratchDirectory, "cairn.db") }, cancellationToken: cancellationToken);
}
