using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Volumes;

public sealed partial class BlobStore
{
    /// <summary>A body on its way in: inline, or a committed (fsynced, renamed) file not yet referenced by a key.</summary>
    private sealed record StoredBody(BlobMeta Meta, LocalVolume? Volume);

    private async Task<StoredBody> StoreBodyAsync(string key, Stream body, BlobPutOptions options, DateTimeOffset created, DateTimeOffset? expires, CancellationToken cancellationToken)
    {
        // Small bodies stay inline: read at most threshold + 1 bytes to find out.
        if (!options.ForceFile && !(options.ExpectedLength > _options.InlineThreshold))
        {
            var head = new byte[_options.InlineThreshold + 1];
            var filled = 0;
            while (filled < head.Length)
            {
                var n = await body.ReadAsync(head.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                filled += n;
            }

            if (filled <= _options.InlineThreshold)
            {
                if (options.ExpectedLength is { } expected && expected != filled)
                {
                    throw new InvalidArgumentException($"The body ended after {filled} of the announced {expected} bytes.");
                }

                if (_options.MaxBlobBytes is { } max && filled > max)
                {
                    throw new LimitExceededException("blob", filled, max);
                }

                var inline = head.AsSpan(0, filled).ToArray();
                return new StoredBody(
                    new BlobMeta
                    {
                        Size = filled,
                        Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(inline)),
                        Created = created.ToUnixTimeMilliseconds(),
                        Expires = expires?.ToUnixTimeMilliseconds(),
                        Node = _options.NodeId,
                        ContentType = options.ContentType,
                        Inline = inline,
                    },
                    null);
            }

            body = new PrefixedStream(head.AsMemory(0, filled), body);
        }

        var volume = Place(options.ExpectedLength);
        var blobId = BlobNames.NewId();
        var tmp = Path.Combine(volume.TmpDirectory, blobId + ".tmp");
        var final = volume.BlobPath(blobId);
        try
        {
            BlobFile.Written written;
            using (var file = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous))
            {
                written = await BlobFile.WriteBodyAsync(file, body, _options.MaxBlobBytes, options.ExpectedLength, cancellationToken).ConfigureAwait(false);
                await BlobFile.FinishAsync(
                    file,
                    new BlobTrailer
                    {
                        Key = key,
                        Size = written.Size,
                        Sha256 = written.Sha256,
                        Created = created.ToUnixTimeMilliseconds(),
                        Expires = expires?.ToUnixTimeMilliseconds(),
                        ContentType = options.ContentType,
                        Crc = written.Crc,
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            var directory = volume.PrepareBlobDirectory(blobId);
            File.Move(tmp, final);
            Cairn.Core.IO.FileSync.Directory(directory);
            return new StoredBody(
                new BlobMeta
                {
                    Size = written.Size,
                    Sha256 = written.Sha256,
                    Created = created.ToUnixTimeMilliseconds(),
                    Expires = expires?.ToUnixTimeMilliseconds(),
                    Volume = volume.Id,
                    Blob = blobId,
                    Node = _options.NodeId,
                    ContentType = options.ContentType,
                },
                volume);
        }
        catch (IOException ex) when (Cairn.Core.IO.DiskSpace.IsFull(ex))
        {
            DeleteQuietly(tmp);
            DeleteQuietly(final);
            throw new InsufficientStorageException($"Volume {volume.Id} ({volume.Directory}) ran out of space while storing blob '{key}'; nothing was stored.");
        }
        catch
        {
            DeleteQuietly(tmp);
            DeleteQuietly(final);
            throw;
        }
    }

    /// <summary>Undoes a body that will not be committed: its file (never referenced) and its lease.</summary>
    // A body that will not be committed: its file goes now (its lease, if any, is the caller's to give back).
    private static void DiscardBody(StoredBody stored)
    {
        if (stored.Volume is { } volume)
        {
            DeleteQuietly(volume.BlobPath(stored.Meta.Blob!));
        }
    }

    /// <summary>The local volume with the most free space that keeps <see cref="VolumeOptions.MinFreeBytes"/> free
    /// after the body (when its length is known).</summary>
    private LocalVolume Place(long? length)
    {
        LocalVolume? best = null;
        long bestFree = long.MinValue;
        foreach (var volume in _volumes)
        {
            long free;
            try
            {
                free = SpaceProbe(volume.Directory).Free;
            }
            catch (IOException)
            {
                continue;
            }

            if (free - (length ?? 0) >= _options.MinFreeBytes && free > bestFree)
            {
                best = volume;
                bestFree = free;
            }
        }

        return best ?? throw new InsufficientStorageException(
            $"No volume has room for {(length is { } l ? l + " more bytes" : "another blob")} while keeping {_options.MinFreeBytes} bytes free (Volumes:MinFreeBytes).");
    }


    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for reconciliation, which removes unreferenced files after the grace period.
        }
    }

    /// <summary>The bytes already read to decide inline-or-file, followed by the rest of the body.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.IsEmpty)
            {
                return rest.ReadAsync(buffer, cancellationToken);
            }

            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return ValueTask.FromResult(n);
        }
    }
}
