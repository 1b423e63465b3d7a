using Cairn.Core;
using Cairn.Storage.Replicated;

namespace Cairn.Testing;

/// <summary>
/// The replicated keyspace on an in-process log: every store is a brand-new node on a <see cref="MemoryKeyspaceLog"/>
/// of its own. Stores share nothing, so test classes on this provider (a class fixture) run in parallel.
/// </summary>
public sealed class ReplicatedMemoryBackend : Backend
{
    /// <inheritdoc />
    public override string Name => "replicated-memory";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default) =>
        await ReplicatedKeyspace.OpenAsync(new MemoryKeyspaceLog(), new ReplicatedKeyspaceOptions { BackendName = "memory" }, cancellationToken);
}
