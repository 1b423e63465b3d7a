using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Volumes;

/// <summary>
/// Brings blobs back from a snapshot into a new data directory, offline: each blob's metadata is pointed at the
/// directory's own volume (<c>volumes/</c>, created when the first key needs it) with its file ref, and each body is
/// written there with its trailer, checked against the SHA-256 its metadata records.
/// </summary>
public sealed class BlobSnapshotRestore(string dataDirectory)
{
    private readonly Dictionary<string, (string Key, BlobMeta Meta)> _expected = new(StringComparer.Ordinal);
    private LocalVolume? _volume;

    /// <summary>Files the keys seen so far refer to that have not been written.</summary>
    public int Missing => _expected.Count;

    /// <summary>True when <paramref name="id"/> can be a volume file's id.</summary>
    public static bool IsFileId(string id) => BlobNames.IsId(id);

    private LocalVolume Volume => _volume ??= LocalVolume.Open(Path.Combine(dataDirectory, "volumes"));

    /// <summary>The value to store for <paramref name="key"/> in the new directory, and the file ref to add with it.</summary>
    /// <exception cref="InvalidArgumentException">Two keys claim one file.</exception>
    public (byte[] Value, IReadOnlyList<PutRequest> Extra) Restore(string key, byte[] value, long lease)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(BlobKeys.MetaPrefix, StringComparison.Ordinal) || BlobMeta.Decode(value) is not { Inline: null, Blob: { } blob } meta)
        {
            return (value, []);
        }

        // The file moves to this data directory's volume: point the metadata at it.
        meta = meta with { Volume = Volume.Id };
        var blobKey = BlobKeys.FromMeta(key);
        if (!_expected.TryAdd(blob, (blobKey, meta)))
        {
            throw new InvalidArgumentException($"The snapshot's keys '{_expected[blob].Key}' and '{blobKey}' claim the same file {blob}.");
        }

        return (meta.Encode(), [new PutRequest(BlobKeys.Ref(Volume.Id, blob), Encoding.UTF8.GetBytes(blobKey)) { Lease = lease }]);
    }

    /// <summary>Writes the body of file <paramref name="blobId"/>: temp file, trailer, fsync, rename, directory fsync.</summary>
    /// <exception cref="InvalidArgumentException">No key refers to it, or its bytes are not those its key describes.</exception>
    public async Task WriteFileAsync(string blobId, Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!_expected.Remove(blobId, out var owner))
        {
            throw new InvalidArgumentException($"file {blobId} belongs to no key");
        }

        var (key, meta) = owner;
        var volume = Volume;
        var tmp = Path.Combine(volume.TmpDirectory, blobId + ".tmp");
        using (SafeFileHandle handle = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous))
        {
            var written = await BlobFile.WriteBodyAsync(handle, body, null, meta.Size, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(written.Sha256, meta.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidArgumentException($"the body of '{key}' does not match its SHA-256");
            }

            await BlobFile.FinishAsync(handle, new BlobTrailer
            {
                Key = key,
                Size = written.Size,
                Sha256 = written.Sha256,
                Created = meta.Created,
                Expires = meta.Expires,
                ContentType = meta.ContentType,
                Crc = written.Crc,
            }, cancellationToken).ConfigureAwait(false);
        }

        var directory = volume.PrepareBlobDirectory(blobId);
        File.Move(tmp, volume.BlobPath(blobId));
        Core.IO.FileSync.Directory(directory);
    }
}
