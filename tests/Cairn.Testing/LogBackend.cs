using Cairn.Core;
using Cairn.Storage.Log;

namespace Cairn.Testing;

/// <summary>
/// The embedded log backend: the replicated keyspace over a new append-only log in the test's scratch directory for
/// every store, flushed as users run it (durable). Stores share nothing, so test classes on it run in parallel.
/// </summary>
public sealed class LogBackend : Backend
{
    /// <inheritdoc />
    public override string Name => "log";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default) =>
        await LogKeyspace.OpenAsync(new LogKeyspaceOptions { Directory = Path.Combine(scratchDirectory, "log") }, cancellationToken: cancellationToken);
}
