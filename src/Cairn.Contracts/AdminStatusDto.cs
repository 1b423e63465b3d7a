using System.Text.Json.Serialization;

namespace Cairn.Contracts;

/// <summary><c>GET /v1/admin/status</c> (and the Pulzar API's <c>/admin/status</c>): blob entries and their bytes, and the
/// keyspace's figures. The Pulzar seed's fields (its LMDB <c>stat</c>: <c>psize</c>, <c>depth</c>, <c>branch_pages</c>,
/// <c>leaf_pages</c>, <c>overflow_pages</c>, <c>entries</c>) keep their names, and are always written: null where the store
/// cannot tell, never a made-up number.</summary>
public sealed record AdminStatusDto
{
    /// <summary>Blob keys (the seed's <c>entries</c>: its database held one entry per key).</summary>
    public long Entries { get; init; }

    /// <summary>The seed's <c>psize</c>: the size of the keyspace's database pages in bytes (SQLite's <c>page_size</c>);
    /// null on etcd, whose status reports no pages.</summary>
    [JsonPropertyName("psize")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? PageSize { get; init; }

    /// <summary>The seed's <c>depth</c> (of the B-tree). Null: SQLite as bundled (without its <c>dbstat</c> table) and
    /// etcd do not report it.</summary>
    [JsonPropertyName("depth")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? Depth { get; init; }

    /// <summary>The seed's <c>branch_pages</c>; null for the same reason as <see cref="Depth"/>.</summary>
    [JsonPropertyName("branch_pages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? BranchPages { get; init; }

    /// <summary>The seed's <c>leaf_pages</c>; null for the same reason as <see cref="Depth"/>.</summary>
    [JsonPropertyName("leaf_pages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? LeafPages { get; init; }

    /// <summary>The seed's <c>overflow_pages</c>; null for the same reason as <see cref="Depth"/>.</summary>
    [JsonPropertyName("overflow_pages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? OverflowPages { get; init; }

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
