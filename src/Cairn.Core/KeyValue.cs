namespace Cairn.Core;

/// <summary>A key with its value and the revisions that describe its history.</summary>
/// <param name="Key">The key, a UTF-8 string.</param>
/// <param name="Value">The value bytes; empty when the read asked for keys only.</param>
/// <param name="CreateRevision">Store revision at which the key was last created (0 for a key that does not exist).</param>
/// <param name="ModRevision">Store revision of the last write to the key; this is the key's ETag.</param>
/// <param name="Version">1 when the key is created, +1 on every put; a delete resets it.</param>
/// <param name="Lease">The lease the key is attached to, or 0.</param>
public sealed record KeyValue(
    string Key,
    ReadOnlyMemory<byte> Value,
    long CreateRevision,
    long ModRevision,
    long Version,
    long Lease = 0);
