using System.Buffers;
using System.Security.Cryptography;
using Cairn.Core;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Volumes;

/// <summary>An open blob. Copying verifies each chunk's checksum before sending it; a mismatch throws
/// <see cref="CorruptException"/> (before the first byte when the first chunk is bad).</summary>
public abstract class BlobReader : IAsyncDisposable
{
    /// <summary>The blob.</summary>
    public abstract BlobInfo Info { get; }

    /// <summary>Copies bytes <paramref name="offset"/>..+<paramref name="length"/> of the body to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the body.</exception>
    public async Task CopyToAsync(Stream destination, long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckRange(offset, length);
        await CopyRangeAsync(destination, offset, length, cancellationToken).ConfigureAwait(false);
        BlobMetrics.BytesOut.Add(length);
    }

    /// <summary>Copies the whole body.</summary>
    public Task CopyToAsync(Stream destination, CancellationToken cancellationToken = default) => CopyToAsync(destination, 0, Info.Size, cancellationToken);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>Copies a range already checked to lie inside the body.</summary>
    private protected abstract Task CopyRangeAsync(Stream destination, long offset, long length, CancellationToken cancellationToken);

    private protected void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Info.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..+{length} are outside the body ({Info.Size} bytes).");
        }
    }
}

internal sealed class InlineBlobReader(BlobInfo info, byte[] body) : BlobReader
{
    public override BlobInfo Info => info;

    private protected override async Task CopyRangeAsync(Stream destination, long offset, long length, CancellationToken cancellationToken)
    {
        await destination.WriteAsync(body.AsMemory((int)offset, (int)length), cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class LocalBlobReader(BlobInfo info, SafeFileHandle file, BlobTrailer trailer, string path) : BlobReader
{
    public override BlobInfo Info => info;

    private protected override async Task CopyRangeAsync(Stream destination, long offset, long length, CancellationToken cancellationToken)
    {
        await using var stream = new VerifiedBlobStream(file, ownsHandle: false, trailer, path, offset, length);
        await stream.CopyToAsync(destination, BlobFile.ChunkSize, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        file.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A body held by another node, fetched through <see cref="IBlobRemote"/>; a whole read is checked against
/// the SHA-256 in the metadata (the holder checks the chunks).</summary>
internal sealed class RemoteBlobReader(BlobStore blobs, BlobInfo info) : BlobReader
{
    public override BlobInfo Info => info;

    private protected override async Task CopyRangeAsync(Stream destination, long offset, long length, CancellationToken cancellationToken)
    {
        await using var source = await blobs.OpenRemoteAsync(info, offset, length, cancellationToken).ConfigureAwait(false);
        using var sha = offset == 0 && length == info.Size ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long copied = 0;
            int n;
            while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha?.AppendData(buffer, 0, n);
                copied += n;
                if (copied > length)
                {
                    throw new CorruptException($"Blob '{info.Key}': node {info.NodeId} sent more bytes than asked for.");
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            if (copied != length)
            {
                throw new UnavailableException($"Blob '{info.Key}': the transfer from node {info.NodeId} ended after {copied} of {length} bytes.");
            }

            if (sha is not null && !string.Equals(Convert.ToHexStringLower(sha.GetHashAndReset()), info.Sha256, StringComparison.Ordinal))
            {
                throw new CorruptException($"Blob '{info.Key}' is corrupt: the bytes from node {info.NodeId} do not match its SHA-256.");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
