namespace Cairn.Contracts;

/// <summary><c>POST /v1/admin/volumes/rebuild?dir=</c>: what rebuilding the metadata from a volume's files did.</summary>
public sealed record VolumeRebuildDto
{
    /// <summary>Files looked at.</summary>
    public int Scanned { get; init; }

    /// <summary>Keys created from a file.</summary>
    public int Restored { get; init; }

    /// <summary>Files whose key already had metadata (the newer one kept) or that had expired.</summary>
    public int Skipped { get; init; }

    /// <summary>Files that failed their checksum or had no readable trailer (left in place).</summary>
    public IReadOnlyList<string> Corrupt { get; init; } = [];
}
