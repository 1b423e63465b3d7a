using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Volumes;

public sealed partial class BlobStore
{
    /// <summary>Recreates the metadata of every valid file in <paramref name="volumeDirectory"/> (one of this node's
    /// volumes) whose key has none: the seed's restore, for a keyspace that was lost or wiped. A key that already has
    /// metadata keeps it unless the file is newer; expired files are skipped; a file that fails its checksum is
    /// reported and left in place.</summary>
    /// <exception cref="InvalidArgumentException"><paramref name="volumeDirectory"/> is empty, is not a valid path, or is
    /// not one of this node's volumes.</exception>
    public async Task<RebuildResult> RebuildAsync(string volumeDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volumeDirectory);
        var full = Path.TrimEndingDirectorySeparator(FullVolumePath(volumeDirectory));
        var volume = _volumes.FirstOrDefault(v => string.Equals(v.Directory, full, StringComparison.Ordinal))
            ?? throw new InvalidArgumentException(
                $"'{volumeDirectory}' is not one of this server's volume directories ({string.Join(", ", _volumes.Select(v => v.Directory))}); copy the files into one of them first.");

        var now = Time.GetUtcNow();
        int scanned = 0, restored = 0, skipped = 0;
        var corrupt = new List<string>();
        foreach (var (blobId, _) in volume.Files().ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            scanned++;
            var path = volume.BlobPath(blobId);
            BlobTrailer trailer;
            try
            {
                using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
                trailer = BlobFile.ReadTrailer(file, path);
                await BlobFile.VerifyAsync(file, trailer, path, cancellationToken).ConfigureAwait(false);
                BlobNames.ValidateKey(trailer.Key);
            }
            catch (Exception ex) when (ex is CorruptException or InvalidArgumentException or IOException)
            {
                corrupt.Add(path);
                LogCorrupt(_logger, path, ex.Message);
                continue;
            }

            long? ttl = null;
            if (trailer.Expires is { } expires)
            {
                var left = (long)Math.Ceiling((DateTimeOffset.FromUnixTimeMilliseconds(expires) - now).TotalSeconds);
                if (left < Leases.MinTtlSeconds)
                {
                    skipped++;
                    continue;
                }

                ttl = Math.Min(left, Leases.MaxTtlSeconds);
            }

            var current = await ReadAsync(trailer.Key, cancellationToken).ConfigureAwait(false);
            if (current is not null && (current.Meta.Blob == blobId || current.Meta.Created >= trailer.Created))
            {
                skipped++;
                continue;
            }

            var meta = new BlobMeta
            {
                Size = trailer.Size,
                Sha256 = trailer.Sha256,
                Created = trailer.Created,
                Expires = trailer.Expires,
                Volume = volume.Id,
                Blob = blobId,
                Node = _options.NodeId,
                ContentType = trailer.ContentType,
            };
            var lease = ttl is { } seconds ? (await _store.GrantLeaseAsync(seconds, cancellationToken: cancellationToken).ConfigureAwait(false)).Id : 0;
            var ops = new List<KvRequest>
            {
                new PutRequest(BlobKeys.Meta(trailer.Key), meta.Encode()) { Lease = lease },
                new PutRequest(BlobKeys.Ref(volume.Id, blobId), Encoding.UTF8.GetBytes(trailer.Key)) { Lease = lease },
            };
            if (current?.Meta is { Inline: null, Volume: { } oldVolume, Blob: { } oldBlob })
            {
                ops.Add(new DeleteRequest(KeyRange.Single(BlobKeys.Ref(oldVolume, oldBlob))));
            }

            var compare = Compare.ModRevision(BlobKeys.Meta(trailer.Key), CompareResult.Equal, current?.Kv.ModRevision ?? 0);
            var result = await _store.TxnAsync(new TxnRequest([compare], ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                restored++;
                await ForgetAsync(current, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                skipped++;
                if (lease != 0)
                {
                    await _store.RevokeLeaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        return new RebuildResult { Scanned = scanned, Restored = restored, Skipped = skipped, Corrupt = corrupt };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Volumes: '{Path}' is damaged and was not restored: {Reason}")]
    private static partial void LogCorrupt(ILogger logger, string path, string reason);

    // The caller's text is a path from a request: Path.GetFullPath throws ArgumentException on an empty path or one with
    // a NUL, which is the caller's mistake, not the server's.
    private string FullVolumePath(string volumeDirectory)
    {
        var volumes = string.Join(", ", _volumes.Select(v => v.Directory));
        if (volumeDirectory.Length == 0)
        {
            throw new InvalidArgumentException($"The volume directory is empty; give one of this server's volume directories ({volumes}).");
        }

        if (volumeDirectory.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"The volume directory contains a NUL character, which no path can hold; give one of this server's volume directories ({volumes}).");
        }

        try
        {
            return Path.GetFullPath(volumeDirectory);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidArgumentException($"'{volumeDirectory}' is not a valid path ({ex.Message}); give one of this server's volume directories ({volumes}).");
        }
    }
}
