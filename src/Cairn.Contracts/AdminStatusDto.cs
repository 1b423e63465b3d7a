namespace Cairn.Contracts;

/// <summary><c>GET /v1/admin/status</c> (and the Pulzar API's <c>/admin/status</c>): blob entries and their bytes, and the
/// keyspace's figures.</summary>
public sealed record AdminStatusDto
{
    /// <summary>Blob keys.</summary>
    public long Entries { get; init; }

    /// <summary>Bytes of every blob body.</summary>
    public long Bytes { get; init; }

    /// <summary>Blobs kept inline in the keyspace.</summary>
    public long InlineEntries { get; init; }

    /// <summary>Blobs kept as volume files.</summary>
    public long FileEntries { get; init; }

    /// <summary>Registered volumes.</summary>
    public int Volumes { get; init; }

    /// <summary>Storage nodes (nodes with at least one volume).</summary>
    public int Nodes { get; init; }

    /// <summary>Keys in the keyspace.</summary>
    public long KeyCount { get; init; }

    /// <summary>Size of the keyspace's database, in bytes.</summary>
    public long DbSizeBytes { get; init; }

    /// <summary>The store revision read at.</summary>
    public long Revision { get; init; }

    /// <summary>The keyspace backend.</summary>
    public string Backend { get; init; } = "";
}
