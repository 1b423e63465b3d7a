namespace Cairn.Contracts;

/// <summary>One volume of a <see cref="StorageNodeDto"/>.</summary>
public sealed record StorageVolumeDto
{
    /// <summary>The volume's id.</summary>
    public string VolumeId { get; init; } = "";

    /// <summary>Its directory on its node.</summary>
    public string Path { get; init; } = "";

    /// <summary>Percent of its space in use.</summary>
    public int Percent { get; init; }

    /// <summary>Free bytes.</summary>
    public long FreeBytes { get; init; }

    /// <summary>Total bytes.</summary>
    public long TotalBytes { get; init; }

    /// <summary>True when its files and the keyspace agree.</summary>
    public bool Synch { get; init; }
}
