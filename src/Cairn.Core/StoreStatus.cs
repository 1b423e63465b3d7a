namespace Cairn.Core;

/// <summary>What a backend says of itself.</summary>
/// <param name="Revision">The current store revision.</param>
/// <param name="CompactRevision">The compaction point.</param>
/// <param name="KeyCount">Number of live keys.</param>
/// <param name="SizeBytes">Bytes the store takes on disk (history included).</param>
/// <param name="Backend">The backend's name, e.g. <c>sqlite</c>.</param>
public sealed record StoreStatus(long Revision, long CompactRevision, long KeyCount, long SizeBytes, string Backend)
{
    /// <summary>The size of the store's database pages in bytes (SQLite's <c>page_size</c>); null when the backend does
    /// not tell (etcd's status has no page figures).</summary>
    public long? PageSize { get; init; }
}
