namespace Cairn.Server;

/// <summary>The <c>Volumes</c> section: where this node keeps blob bodies, and the module's limits.</summary>
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

    /// <summary>Seconds after which a file no key refers to (left by a crash) is removed.</summary>
    public double OrphanGraceSeconds { get; set; } = 900;

    /// <summary>Seconds between comparisons of this node's files with the keyspace.</summary>
    public double ReconcileIntervalSeconds { get; set; } = 300;
}

/// <summary>The <c>Pulzar</c> section: listeners that serve the seed-compatible Pulzar API at their root.</summary>
public sealed class PulzarServerOptions
{
    /// <summary>Listeners (<c>http://IP:PORT</c>, <c>unix:PATH</c>); a comma-separated string is accepted too.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>The listeners, split.</summary>
    public IReadOnlyList<string> EffectiveListeners() =>
        Listen.SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}
