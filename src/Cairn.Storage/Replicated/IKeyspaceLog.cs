namespace Cairn.Storage.Replicated;

/// <summary>
/// A durable, totally ordered log shared by every node of a cluster: all a replicated backend needs from the engine
/// under it. Each node keeps the keyspace's state (current keys, history since the compaction point, leases) in memory,
/// built from the latest snapshot and then the entries after it, applied in order; a node writes by evaluating a batch
/// of requests against its state at index <c>i</c> and appending the resulting entry as index <c>i + 1</c> — which
/// fails if another node appended first, and then the node catches up and evaluates again. ZooKeeper is one such log
/// (<c>Cairn.Storage.ZooKeeper</c>); <c>MemoryKeyspaceLog</c> is another, for a single process and for tests.
/// </summary>
/// <remarks>
/// <para>Indexes start at 1 (the first entry); 0 means "nothing". An entry is opaque bytes to the log, of any length
/// (a log whose engine has a frame limit splits it). Entries carry an id of their writer, so two appends never carry
/// the same bytes.</para>
/// <para>Errors: <see cref="Cairn.Core.UnavailableException"/> when the engine cannot be reached within the log's
/// request timeout (nothing is known to have been appended); <see cref="LogTruncatedException"/> when entries asked for
/// were dropped by <see cref="TruncateAsync"/> (the reader reloads the snapshot).</para>
/// <para>Concurrency: every member may be called concurrently.</para>
/// </remarks>
public interface IKeyspaceLog : IAsyncDisposable
{
    /// <summary>
    /// Appends <paramref name="entry"/> as index <paramref name="afterIndex"/> + 1 if, and only if, the log's last index
    /// is still <paramref name="afterIndex"/>. True once the entry is durable; false if another entry took that index
    /// (nothing was written). If the engine's reply is lost, the log finds out itself whether the entry was written
    /// (by reading that index back) before it answers, so a caller never appends one entry twice.
    /// </summary>
    ValueTask<bool> TryAppendAsync(long afterIndex, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// The entries after <paramref name="afterIndex"/>, in index order: at most <paramref name="max"/>, fewer (or none)
    /// where the log ends. Reads what the engine has committed; may lag <see cref="LastIndexAsync"/> by nothing once that
    /// has returned to the same caller.
    /// </summary>
    /// <exception cref="LogTruncatedException">Entry <paramref name="afterIndex"/> + 1 was truncated away.</exception>
    ValueTask<IReadOnlyList<LogRecord>> ReadAsync(long afterIndex, int max, CancellationToken cancellationToken = default);

    /// <summary>The last index, read linearizably: it is at least the index of every append acknowledged (to any node)
    /// before the call began.</summary>
    ValueTask<long> LastIndexAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Called, from any thread and possibly more often than needed, when the log may have grown (another node appended):
    /// a hint to read, never the data itself. Set once, before the log is used; may be null.
    /// </summary>
    Action? Grown { get; set; }

    /// <summary>Stores <paramref name="snapshot"/> as the state after entry <paramref name="index"/>, replacing any older
    /// snapshot once it is durable.</summary>
    ValueTask WriteSnapshotAsync(long index, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default);

    /// <summary>The latest snapshot and the index it was taken after; null when none was ever written.</summary>
    ValueTask<LogSnapshot?> ReadSnapshotAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops the entries up to and including <paramref name="throughIndex"/>, which must not be above the
    /// latest snapshot's index. Idempotent.</summary>
    ValueTask TruncateAsync(long throughIndex, CancellationToken cancellationToken = default);
}

/// <summary>One entry of a <see cref="IKeyspaceLog"/>.</summary>
public sealed record LogRecord(long Index, ReadOnlyMemory<byte> Entry);

/// <summary>A snapshot of the replicated state after entry <see cref="Index"/>.</summary>
public sealed record LogSnapshot(long Index, ReadOnlyMemory<byte> Data);

/// <summary>The entries asked for were dropped from the log; the reader must start again from the snapshot.</summary>
public sealed class LogTruncatedException(long firstIndex)
    : Exception($"The log's entries before index {firstIndex} were truncated; start again from the latest snapshot.")
{
    /// <summary>The first index still in the log.</summary>
    public long FirstIndex { get; } = firstIndex;
}
