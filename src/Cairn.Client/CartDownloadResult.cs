namespace Cairn.Client;

/// <summary>What <see cref="CairnClient.DownloadCartAsync"/> did.</summary>
/// <param name="Length">The whole tar's length in bytes.</param>
/// <param name="ETag">The tar's entity tag (keep it to resume with <c>If-Range</c>); null when the server sent none.</param>
/// <param name="Resumed">True when the server answered the range (206) and the bytes were appended after the offset;
/// false when it sent the whole tar (200), written from the destination's start.</param>
/// <param name="Offset">Where writing started in the tar: the offset asked for when resumed, else 0.</param>
/// <param name="Written">How many bytes this call wrote.</param>
public sealed record CartDownloadResult(long Length, string? ETag, bool Resumed, long Offset, long Written);
