namespace Cairn.Server.Modules.Carts;

/// <summary>
/// The <c>Carts</c> section (<c>CAIRN_CARTS__*</c>; pacifica-cartd's environment variables <c>VOLUME_PATH</c>,
/// <c>TRANSFER_SIZE</c>, <c>LRU_BUFFER_TIME</c>, <c>LRU_PURGE</c>, <c>BUNDLE_TASK</c> and <c>ARCHIVE_INTERFACE_URL</c>
/// are read too, below the <c>CAIRN_*</c> ones). Durations are read as every duration in Cairn is (<c>90s</c>, <c>5m</c>,
/// <c>1h30m</c>, a number of seconds, <c>hh:mm:ss</c>); sizes as the seed wrote them (<c>4 Mb</c> = 4 MiB, <c>4 MB</c> =
/// 4,000,000) or as a number of bytes; switches as <c>true</c>/<c>false</c>, <c>on</c>/<c>off</c>, <c>1</c>/<c>0</c>.
/// </summary>
public sealed class CartsServerOptions
{
    /// <summary>Serve <c>/v1/carts</c> and the cartd API at <c>/compat/cartd</c>, and stage carts on this node (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>This node's cache volume (the seed's <c>VOLUME_PATH</c>; default <c>DATADIR/carts</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>The archive of a cart that names none (default <c>pacifica</c>).</summary>
    public string Archive { get; set; } = "pacifica";

    /// <summary>The Pacifica archive interface (the seed's <c>ARCHIVE_INTERFACE_URL</c>; default <c>http://127.0.0.1:8080/</c>).</summary>
    public string ArchiveUrl { get; set; } = "http://127.0.0.1:8080/";

    /// <summary>A directory whose files carts may name by their path under it (archive <c>directory</c>); none by default.</summary>
    public string? ArchiveDirectory { get; set; }

    /// <summary>Offer Cairn's own blobs as archive <c>blobs</c> when Volumes is on (default true).</summary>
    public bool BlobArchive { get; set; } = true;

    /// <summary>Bytes per archive read and write (the seed's <c>TRANSFER_SIZE</c>; default <c>4 Mb</c>).</summary>
    public string? TransferSize { get; set; }

    /// <summary>A cart used within this long is not purged to make room (the seed's <c>LRU_BUFFER_TIME</c>, seconds; default 0).</summary>
    public string? LruBufferTime { get; set; }

    /// <summary>Purge least recently used ready carts when the volume lacks room (the seed's <c>LRU_PURGE</c>; default on).</summary>
    public string? LruPurge { get; set; }

    /// <summary>Bundle mode for carts that do not say (the seed's <c>BUNDLE_TASK</c>; default off).</summary>
    public string? BundleTask { get; set; }

    /// <summary>Files of one cart staged at once (default 4).</summary>
    public int? Parallelism { get; set; }

    /// <summary>Carts this node stages at once (default 8); 0: this node stages none (it still accepts, serves and
    /// deletes carts, and other nodes stage them).</summary>
    public int? MaxActiveCarts { get; set; }

    /// <summary>How long a file may stay on tape before it fails (default 1h).</summary>
    public string? StageTimeout { get; set; }

    /// <summary>First wait between status calls for a file on tape (default 1s; doubles up to <see cref="PollMax"/>).</summary>
    public string? PollInitial { get; set; }

    /// <summary>Longest wait between status calls (default 60s).</summary>
    public string? PollMax { get; set; }

    /// <summary>Attempts of an archive call that fails transiently (default 5).</summary>
    public int? Attempts { get; set; }

    /// <summary>First wait before a retry (default 1s; doubles up to <see cref="RetryMax"/>).</summary>
    public string? RetryInitial { get; set; }

    /// <summary>Longest wait before a retry (default 30s).</summary>
    public string? RetryMax { get; set; }

    /// <summary>TTL of this node's claims: a node that dies loses its carts to another after this (default 10s).</summary>
    public string? ClaimTtl { get; set; }

    /// <summary>Free space the volume keeps (a size; default 64 MiB).</summary>
    public string? MinFreeBytes { get; set; }

    /// <summary>Most files in one cart (default 100,000).</summary>
    public int? MaxFiles { get; set; }

    /// <summary>How long one archive call may take to answer (default 60s).</summary>
    public string? ArchiveTimeout { get; set; }

    /// <summary>How often progress is written while files are copied (default 1s).</summary>
    public string? ProgressInterval { get; set; }
}
