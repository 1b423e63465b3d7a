namespace Cairn.Volumes;

/// <summary>Settings of the Volumes module on one node.</summary>
public sealed record VolumeOptions
{
    /// <summary>This node's volume directories (created if missing). Placement picks the one with the most free space.</summary>
    public required IReadOnlyList<string> Directories { get; init; }

    /// <summary>This node's id.</summary>
    public required string NodeId { get; init; }

    /// <summary>This node's addresses, published in its volume records so other nodes can fetch from it.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Bodies up to this size are kept inline in the keyspace (unless <see cref="BlobPutOptions.ForceFile"/>).</summary>
    public int InlineThreshold { get; init; } = 16 * 1024;

    /// <summary>Largest body accepted; null: no limit beyond disk space.</summary>
    public long? MaxBlobBytes { get; init; }

    /// <summary>Leave at least this much free space on a volume; a put that would go below gets "insufficient storage".</summary>
    public long MinFreeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A file in a volume that no metadata refers to (a crash between writing and committing) is removed once
    /// it is older than this.</summary>
    public TimeSpan OrphanGrace { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the node compares its files with the keyspace and removes orphans.</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the node looks at its volume figures (free space, load); a record is rewritten only when one
    /// changed.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Publish the volume records in the keyspace (a cluster). False: this node keeps them to itself — other
    /// nodes cannot fetch from it, and the keyspace holds nothing but blob keys.</summary>
    public bool PublishRecords { get; init; } = true;

    /// <summary>TTL of the lease the volume records hang on.</summary>
    public long RecordTtlSeconds { get; init; } = 30;

    /// <summary>The clock for created/expiry times and grace periods.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>Reads a byte range of a file held by another node. The server implements it over HTTP
/// (<c>GET /v1/internal/volumes/{volumeId}/{blobId}</c> with a <c>Range</c> header on the holder's address).</summary>
public interface IBlobRemote
{
    /// <summary>Opens bytes <paramref name="offset"/>..+<paramref name="length"/> of file <paramref name="blobId"/> on
    /// the node serving <paramref name="volume"/>.</summary>
    /// <exception cref="Cairn.Core.UnavailableException">The node cannot be reached.</exception>
    Task<Stream> OpenAsync(VolumeRecord volume, string blobId, long offset, long length, CancellationToken cancellationToken);
}
