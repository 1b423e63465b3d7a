namespace Cairn.Volumes;

/// <summary>What Cairn knows about a stored blob.</summary>
public sealed record BlobInfo
{
    /// <summary>The blob's key, e.g. <c>a/b/c.txt</c>.</summary>
    public required string Key { get; init; }

    /// <summary>Length of the body in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>SHA-256 of the body, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>When the blob was stored (the storing node's clock).</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>When it expires, if it was stored with a TTL.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The volume holding the body; null when the body is inline in the metadata (small blobs).</summary>
    public string? VolumeId { get; init; }

    /// <summary>The file's id in its volume; null when inline.</summary>
    public string? BlobId { get; init; }

    /// <summary>The node that stored the body.</summary>
    public string? NodeId { get; init; }

    /// <summary>The content type given when it was stored, if any.</summary>
    public string? ContentType { get; init; }

    /// <summary>The store revision of the metadata's last change (ETag for conditional requests is <see cref="ETag"/>).</summary>
    public long ModRevision { get; init; }

    /// <summary>The HTTP entity tag: the quoted SHA-256.</summary>
    public string ETag => "\"" + Sha256 + "\"";

    /// <summary>True when the body is kept inline in the keyspace rather than in a volume file.</summary>
    public bool IsInline => VolumeId is null;
}

/// <summary>How to store a blob.</summary>
public sealed record BlobPutOptions
{
    /// <summary>Expire (delete key and file) after this long; null keeps it until deleted.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Store only if the key does not exist; otherwise <see cref="Cairn.Core.ConflictException"/> and the stored blob is untouched.</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Store only if the current blob's ETag is this (<c>"*"</c>: any existing blob); otherwise
    /// <see cref="Cairn.Core.PreconditionFailedException"/>.</summary>
    public string? IfMatch { get; init; }

    /// <summary>Content type to remember and serve back.</summary>
    public string? ContentType { get; init; }

    /// <summary>Always write a volume file, whatever the size (the Pulzar API: every value is a file).</summary>
    public bool ForceFile { get; init; }

    /// <summary>The length the caller announced (Content-Length); a body of another length is rejected and nothing is stored.</summary>
    public long? ExpectedLength { get; init; }
}

/// <summary>The outcome of a put.</summary>
/// <param name="Info">The blob as stored.</param>
/// <param name="Created">True when the key did not exist before.</param>
public sealed record BlobPutResult(BlobInfo Info, bool Created);

/// <summary>Which blobs a search or listing returns. Dates are UTC calendar days of <see cref="BlobInfo.Created"/>;
/// <see cref="CreatedBefore"/> and <see cref="CreatedAfter"/> together mean "strictly between".</summary>
public sealed record BlobQuery
{
    /// <summary>Only keys starting with this.</summary>
    public string? Prefix { get; init; }

    /// <summary>Only keys containing this text (ordinal, case-insensitive).</summary>
    public string? Text { get; init; }

    /// <summary>Only blobs created on this day.</summary>
    public DateOnly? CreatedOn { get; init; }

    /// <summary>Only blobs created before this day.</summary>
    public DateOnly? CreatedBefore { get; init; }

    /// <summary>Only blobs created after this day.</summary>
    public DateOnly? CreatedAfter { get; init; }

    /// <summary>Start after this key (paging).</summary>
    public string? After { get; init; }

    /// <summary>At most this many results.</summary>
    public int Limit { get; init; } = 1000;
}

/// <summary>A page of blobs.</summary>
/// <param name="Items">The blobs, in key order.</param>
/// <param name="Next">The key to pass as <see cref="BlobQuery.After"/> for the next page; null on the last page.</param>
public sealed record BlobPage(IReadOnlyList<BlobInfo> Items, string? Next);

/// <summary>Store-wide figures for <c>/admin/status</c>.</summary>
public sealed record BlobStoreStatus
{
    /// <summary>Number of blob keys.</summary>
    public required long Entries { get; init; }

    /// <summary>Sum of the blobs' sizes.</summary>
    public required long Bytes { get; init; }

    /// <summary>Blobs whose body is inline in the keyspace.</summary>
    public required long InlineEntries { get; init; }

    /// <summary>The volumes registered in the cluster.</summary>
    public required IReadOnlyList<VolumeRecord> Volumes { get; init; }
}

/// <summary>A volume's registration, under its node's lease (gone when the node is); its node rewrites it when a figure
/// changes (percent used, synch, a step of the load), not on a timer.</summary>
public sealed record VolumeRecord
{
    /// <summary>The volume's id.</summary>
    public required string VolumeId { get; init; }

    /// <summary>The node serving it.</summary>
    public required string NodeId { get; init; }

    /// <summary>Its directory on that node.</summary>
    public required string Path { get; init; }

    /// <summary>Where the node can be reached (<c>http://host:port</c>, <c>unix:/path</c>).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Size of the file system holding it.</summary>
    public long TotalBytes { get; init; }

    /// <summary>Free space available to Cairn there.</summary>
    public long FreeBytes { get; init; }

    /// <summary>Percent of the file system used (0–100).</summary>
    public int UsedPercent { get; init; }

    /// <summary>The node's one-minute load average when the record was written; the record is rewritten when the load
    /// moves to another level (per core: below 0.5, below 1, below 2, above), not for smaller moves.</summary>
    public double Load { get; init; }

    /// <summary>True when the node's files and the keyspace agree as of its last reconciliation (no removals pending).</summary>
    public bool Synch { get; init; }

    /// <summary>When the record was last written (a figure changed). Not a sign of life: an idle node's record keeps an
    /// old time while its lease keeps it alive.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The outcome of rebuilding metadata from a volume's files.</summary>
public sealed record RebuildResult
{
    /// <summary>Files looked at.</summary>
    public int Scanned { get; init; }

    /// <summary>Keys created from a file.</summary>
    public int Restored { get; init; }

    /// <summary>Files whose key already had metadata (the newer one kept) or that had expired.</summary>
    public int Skipped { get; init; }

    /// <summary>Files that failed their checksum or had no readable trailer (left in place, reported).</summary>
    public IReadOnlyList<string> Corrupt { get; init; } = [];
}
