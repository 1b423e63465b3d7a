namespace Cairn.Contracts;

/// <summary>A page of blobs: <c>GET /v1/blobs</c>.</summary>
public sealed record BlobListDto
{
    /// <summary>The blobs.</summary>
    public IReadOnlyList<BlobDto> Items { get; init; } = [];

    /// <summary>Pass as <c>start_after</c> for the next page; null on the last.</summary>
    public string? Next { get; init; }
}
