using Cairn.Contracts;

namespace Cairn.Volumes;

/// <summary>
/// The files of one volume directory:
/// <code>
/// DIR/volume.id                  the volume's id (32 hex digits), written once when the directory is first used
/// DIR/blobs/ab/abcdef….blob      a committed body: the bytes, then a trailer (see BlobFile) naming its key and checksums
/// DIR/tmp/…                      bodies being received; removed when older than the orphan grace period
/// </code>
/// File names are blob ids Cairn makes up (never anything from a request), so no client input reaches a path.
/// </summary>
public static class VolumeLayout
{
    /// <summary>Name of the file holding the volume id.</summary>
    public const string IdFile = "volume.id";

    /// <summary>Sub-directory of committed bodies.</summary>
    public const string BlobsDir = "blobs";

    /// <summary>Sub-directory of bodies being received.</summary>
    public const string TmpDir = "tmp";

    /// <summary>Extension of a committed body.</summary>
    public const string BlobExtension = ".blob";

    /// <summary>The path of blob <paramref name="blobId"/> in volume directory <paramref name="volumeDir"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="blobId"/> is not an id.</exception>
    public static string BlobPath(string volumeDir, string blobId)
    {
        if (!BlobNames.IsId(blobId))
        {
            throw new ArgumentException($"'{blobId}' is not a blob id.", nameof(blobId));
        }

        return Path.Combine(volumeDir, BlobsDir, blobId[..2], blobId + BlobExtension);
    }
}
