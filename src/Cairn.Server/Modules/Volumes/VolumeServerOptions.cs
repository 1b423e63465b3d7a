using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Volumes;

/// <summary>The <c>Volumes</c> section: where this node keeps blob bodies, and the module's limits. Durations are read
/// as every duration in Cairn is (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, a number of seconds, <c>hh:mm:ss</c>).</summary>
public sealed class VolumeServerOptions
{
    /// <summary>Serve <c>/v1/blobs</c> and the Pulzar API.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>This node's volume directories (<c>CAIRN_VOLUMES__DIRECTORIES</c> takes a comma-separated list).
    /// Default: <c>DATADIR/volumes</c>.</summary>
    public List<string> Directories { get; set; } = [];

    /// <summary>Bodies up to this many bytes are kept inline in the keyspace (the Pulzar API always writes files).</summary>
    public int InlineThreshold { get; set; } = 16 * 1024;

    /// <summary>Largest body accepted; 0: no limit but disk space.</summary>
    public long MaxBlobBytes { get; set; }

    /// <summary>Free space each volume keeps; a put that would go below is refused with 507.</summary>
    public long MinFreeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>After how long a file no key refers to (left by a crash) is removed (default 15m).</summary>
    public string? OrphanGrace { get; set; }

    /// <summary>The old name of <see cref="OrphanGrace"/>: a number of seconds.</summary>
    public string? OrphanGraceSeconds { get; set; }

    /// <summary>How often this node compares its files with the keyspace (default 5m).</summary>
    public string? ReconcileInterval { get; set; }

    /// <summary>The old name of <see cref="ReconcileInterval"/>: a number of seconds.</summary>
    public string? ReconcileIntervalSeconds { get; set; }
}
