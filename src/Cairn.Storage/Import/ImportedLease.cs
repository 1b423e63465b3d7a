namespace Cairn.Storage.Import;

/// <summary>A lease of a <see cref="KeyspaceImport"/>.</summary>
/// <param name="Id">Its id (not 0).</param>
/// <param name="TtlSeconds">Its TTL; it runs from when the store is opened.</param>
public sealed record ImportedLease(long Id, long TtlSeconds);
