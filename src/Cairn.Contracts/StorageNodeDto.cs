namespace Cairn.Contracts;

/// <summary>One storage node in <c>GET /v1/admin/network</c> (and the Pulzar API's <c>/admin/network</c>): its disks, load
/// and synchronisation.</summary>
public sealed record StorageNodeDto
{
    /// <summary>The node's id.</summary>
    public string Node { get; init; } = "";

    /// <summary>Percent of its volumes' space in use.</summary>
    public int Percent { get; init; }

    /// <summary>Its load average.</summary>
    public double Load { get; init; }

    /// <summary>True when every volume's files and the keyspace agree (reconciled).</summary>
    public bool Synch { get; init; }

    /// <summary>Free bytes over its volumes.</summary>
    public long FreeBytes { get; init; }

    /// <summary>Total bytes of its volumes.</summary>
    public long TotalBytes { get; init; }

    /// <summary>When its figures were last published: they are published when they change, so an idle node shows an
    /// old time; a node listed at all is alive (its records live on its lease).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Its volumes.</summary>
    public IReadOnlyList<StorageVolumeDto> Volumes { get; init; } = [];
}
