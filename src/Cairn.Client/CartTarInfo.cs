namespace Cairn.Client;

/// <summary>What <see cref="CairnClient.GetCartTarInfoAsync"/> learnt of a ready cart's tar without downloading it.</summary>
/// <param name="Length">The tar's length in bytes under the name asked for.</param>
/// <param name="ETag">Its entity tag (what a resumed download passes as <c>If-Range</c>); null when the server sent none.</param>
/// <param name="LastModified">When the cart became ready, when the server said.</param>
public sealed record CartTarInfo(long Length, string? ETag, DateTimeOffset? LastModified);
