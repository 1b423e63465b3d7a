namespace Cairn.Carts;

/// <summary>How carts are staged, kept and purged. The server fills it from the <c>Carts</c> section (and the seed's
/// environment variables <c>TRANSFER_SIZE</c>, <c>LRU_BUFFER_TIME</c>, <c>LRU_PURGE</c>, <c>BUNDLE_TASK</c>).</summary>
public sealed record CartOptions
{
    /// <summary>Bytes read from the archive per request and per write (the seed's <c>TRANSFER_SIZE</c>, default 4 MiB).</summary>
    public int TransferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Files of one cart staged at once.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Carts one node stages at once; more wait (state <c>waiting</c>) for this node or another.</summary>
    public int MaxActiveCarts { get; init; } = 8;

    /// <summary>How long a file may stay on tape (not on the archive's disk) before it fails.</summary>
    public TimeSpan StageTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>First wait between status calls for a file on tape; doubles up to <see cref="PollMax"/>.</summary>
    public TimeSpan PollInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between status calls.</summary>
    public TimeSpan PollMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts of one archive call that fails transiently (connection refused, 5xx, a cut transfer).</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>First wait before a retry; doubles up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait before a retry.</summary>
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TTL of a node's lease on its claims and volume record: a node that dies loses its carts to another after this.</summary>
    public TimeSpan ClaimTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A ready cart used within this long is never purged to make room (the seed's <c>LRU_BUFFER_TIME</c>).</summary>
    public TimeSpan LruBufferTime { get; init; } = TimeSpan.Zero;

    /// <summary>Purge least recently used ready carts when the volume lacks room (the seed's <c>LRU_PURGE</c>).</summary>
    public bool LruPurge { get; init; } = true;

    /// <summary>Bundle mode unless a cart says otherwise (the seed's <c>BUNDLE_TASK</c>).</summary>
    public bool BundleByDefault { get; init; }

    /// <summary>The archive of a cart that names none.</summary>
    public string DefaultArchive { get; init; } = "pacifica";

    /// <summary>Free space the cache volume keeps: a file that would go below fails with <c>Not enough space to download file</c>.</summary>
    public long MinFreeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Most files in one cart.</summary>
    public int MaxFiles { get; init; } = 100_000;

    /// <summary>
    /// This node is alone (the server's <c>Cluster:Enabled</c> is false): no lease and no volume record, so an idle node
    /// leaves the store as empty as new; its claims are not leased, and any found at start (left by its own previous
    /// run) are released.
    /// </summary>
    public bool Standalone { get; init; }

    /// <summary>How often progress (bytes done) is written to the cart's records while files are copied.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
}
