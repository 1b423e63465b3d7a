namespace Cairn.Contracts;

/// <summary>A blob as the server describes it: the answer of <c>PUT /v1/blobs/{key}</c>, an item of a listing.</summary>
public sealed record BlobDto
{
    /// <summary>The key.</summary>
    public string Key { get; init; } = "";

    /// <summary>Bytes.</summary>
    public long Size { get; init; }

    /// <summary>SHA-256, hex.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The HTTP entity tag.</summary>
    public string? Etag { get; init; }

    /// <summary>Stored content type.</summary>
    public string? ContentType { get; init; }

    /// <summary>When it was stored.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>When it expires, if it has a TTL.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The node that stored it.</summary>
    public string? Node { get; init; }

    /// <summary>Its volume; null when inline.</summary>
    public string? Volume { get; init; }

    /// <summary>Revision of its metadata.</summary>
    public long Revision { get; init; }
}
