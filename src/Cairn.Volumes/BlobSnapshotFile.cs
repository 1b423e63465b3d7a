using Cairn.Core;

namespace Cairn.Volumes;

/// <summary>A volume file that a snapshot carries: the body a blob's metadata key refers to.</summary>
/// <param name="VolumeId">The volume holding it.</param>
/// <param name="BlobId">The file's id (32 lowercase hex digits).</param>
/// <param name="Size">The body's size in bytes.</param>
public sealed record BlobSnapshotFile(string VolumeId, string BlobId, long Size)
{
    /// <summary>The file that metadata key <paramref name="kv"/> refers to; null for any other key, or an inline blob.</summary>
    public static BlobSnapshotFile? Of(KeyValue kv)
    {
        ArgumentNullException.ThrowIfNull(kv);
        return kv.Key.StartsWith(BlobKeys.MetaPrefix, StringComparison.Ordinal) && BlobMeta.Decode(kv.Value.Span) is { Inline: null, Volume: { } volume, Blob: { } blob } meta
            ? new BlobSnapshotFile(volume, blob, meta.Size)
            : null;
    }
}
