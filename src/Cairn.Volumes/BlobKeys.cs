namespace Cairn.Volumes;

/// <summary>
/// Where the Volumes module keeps its records in the keyspace.
/// <list type="bullet">
/// <item><c>/cairn/blobs/meta/&lt;key&gt;</c> — a blob's metadata (JSON: size, sha256, created, expires, volume, blob id, node, content type; the body itself when inline); carries the blob's lease when it has a TTL.</item>
/// <item><c>/cairn/blobs/refs/&lt;volumeId&gt;/&lt;blobId&gt;</c> — "this file is in use" (value: the blob key), written and
/// deleted in the same transaction as the metadata and under the same lease; the node holding the volume watches its
/// prefix and removes a file whose ref is gone.</item>
/// <item><c>/cairn/volumes/&lt;volumeId&gt;</c> — a volume's registration (<see cref="VolumeRecord"/>), under its node's lease.</item>
/// <item><c>/cairn/blobs/pins/&lt;id&gt;</c> — a snapshot in progress; while any exists, no node removes a file.</item>
/// </list>
/// </summary>
public static class BlobKeys
{
    /// <summary>Prefix of every blob's metadata key.</summary>
    public const string MetaPrefix = "/cairn/blobs/meta/";

    /// <summary>Prefix of the file references.</summary>
    public const string RefsPrefix = "/cairn/blobs/refs/";

    /// <summary>Prefix of the volume registrations.</summary>
    public const string VolumesPrefix = "/cairn/volumes/";

    /// <summary>Prefix of snapshot pins.</summary>
    public const string PinsPrefix = "/cairn/blobs/pins/";

    /// <summary>The metadata key of blob <paramref name="key"/>.</summary>
    public static string Meta(string key) => MetaPrefix + key;

    /// <summary>The blob key of a metadata key.</summary>
    public static string FromMeta(string metaKey) => metaKey[MetaPrefix.Length..];

    /// <summary>The prefix of the references into volume <paramref name="volumeId"/>.</summary>
    public static string RefsOf(string volumeId) => RefsPrefix + volumeId + "/";

    /// <summary>The reference of file <paramref name="blobId"/> in volume <paramref name="volumeId"/>.</summary>
    public static string Ref(string volumeId, string blobId) => RefsOf(volumeId) + blobId;

    /// <summary>The registration key of volume <paramref name="volumeId"/>.</summary>
    public static string Volume(string volumeId) => VolumesPrefix + volumeId;
}
