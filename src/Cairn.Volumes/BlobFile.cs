using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Core;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Volumes;

/// <summary>What a <c>.blob</c> file says about itself, after its body: enough to rebuild the metadata from the file
/// alone (<see cref="BlobStore.RebuildAsync"/>) and to check every chunk on read.</summary>
internal sealed record BlobTrailer
{
    public int V { get; init; } = 1;

    public required string Key { get; init; }

    public required long Size { get; init; }

    public required string Sha256 { get; init; }

    /// <summary>Unix milliseconds.</summary>
    public required long Created { get; init; }

    /// <summary>Unix milliseconds, when the blob has a TTL.</summary>
    public long? Expires { get; init; }

    public string? ContentType { get; init; }

    public int Chunk { get; init; } = BlobFile.ChunkSize;

    /// <summary>CRC-32 of each chunk of the body, in order.</summary>
    public required uint[] Crc { get; init; }
}

/// <summary>
/// The <c>.blob</c> file format: the body's bytes, then the trailer (<see cref="BlobTrailer"/> as UTF-8 JSON), then its
/// length (8 bytes, little-endian), then the 8 ASCII bytes <c>CAIRNBL1</c>. Written to a temporary file with flat memory
/// (one pooled chunk buffer), fsynced; the store renames it into place before committing its key.
/// </summary>
internal static class BlobFile
{
    public const int ChunkSize = 1 << 20;

    private const int FooterBytes = 16;
    private const int MaxTrailerBytes = 16 << 20;
    private static readonly byte[] Magic = "CAIRNBL1"u8.ToArray();

    /// <summary>The body's size and checksums, as measured while it was written.</summary>
    public sealed record Written(long Size, string Sha256, uint[] Crc);

    /// <summary>Streams <paramref name="body"/> into the new file <paramref name="file"/>; then
    /// <see cref="FinishAsync"/> appends the trailer and fsyncs.</summary>
    /// <exception cref="LimitExceededException">More than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="InvalidArgumentException">A length other than <paramref name="expectedLength"/>.</exception>
    public static async Task<Written> WriteBodyAsync(SafeFileHandle file, Stream body, long? maxBytes, long? expectedLength, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var crcs = new List<uint>();
            long size = 0;
            while (true)
            {
                var filled = await FillAsync(body, buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break;
                }

                size += filled;
                if (maxBytes is { } max && size > max)
                {
                    throw new LimitExceededException("blob", size, max);
                }

                if (expectedLength is { } expected && size > expected)
                {
                    throw new InvalidArgumentException($"The body is longer than the announced {expected} bytes.");
                }

                var chunk = buffer.AsMemory(0, filled);
                sha.AppendData(chunk.Span);
                crcs.Add(Crc32.HashToUInt32(chunk.Span));
                await RandomAccess.WriteAsync(file, chunk, size - filled, cancellationToken).ConfigureAwait(false);
                if (filled < ChunkSize)
                {
                    break;
                }
            }

            if (expectedLength is { } length && size != length)
            {
                throw new InvalidArgumentException($"The body ended after {size} of the announced {length} bytes.");
            }

            return new Written(size, Convert.ToHexStringLower(sha.GetHashAndReset()), [.. crcs]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Appends the trailer after the body and fsyncs the file.</summary>
    public static async Task FinishAsync(SafeFileHandle file, BlobTrailer trailer, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(trailer, VolumesJson.Default.BlobTrailer);
        var tail = new byte[json.Length + FooterBytes];
        json.CopyTo(tail, 0);
        BinaryPrimitives.WriteInt64LittleEndian(tail.AsSpan(json.Length), json.Length);
        Magic.CopyTo(tail, json.Length + 8);
        await RandomAccess.WriteAsync(file, tail, trailer.Size, cancellationToken).ConfigureAwait(false);
        RandomAccess.FlushToDisk(file);
    }

    /// <summary>Reads the trailer of the file open as <paramref name="file"/>.</summary>
    /// <exception cref="CorruptException">No valid trailer.</exception>
    public static BlobTrailer ReadTrailer(SafeFileHandle file, string path)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> footer = stackalloc byte[FooterBytes];
        if (length < FooterBytes || RandomAccess.Read(file, footer, length - FooterBytes) != FooterBytes || !footer[8..].SequenceEqual(Magic))
        {
            throw new CorruptException($"'{path}' is not a Cairn blob file (no trailer).");
        }

        var jsonLength = BinaryPrimitives.ReadInt64LittleEndian(footer);
        if (jsonLength <= 0 || jsonLength > MaxTrailerBytes || jsonLength > length - FooterBytes)
        {
            throw new CorruptException($"'{path}' has a damaged trailer.");
        }

        var json = new byte[jsonLength];
        if (RandomAccess.Read(file, json, length - FooterBytes - jsonLength) != jsonLength)
        {
            throw new CorruptException($"'{path}' has a damaged trailer.");
        }

        BlobTrailer? trailer;
        try
        {
            trailer = JsonSerializer.Deserialize(json, VolumesJson.Default.BlobTrailer);
        }
        catch (JsonException)
        {
            trailer = null;
        }

        if (trailer is null || trailer.V != 1 || trailer.Chunk <= 0 || trailer.Size != length - FooterBytes - jsonLength
            || trailer.Crc.Length != (int)((trailer.Size + trailer.Chunk - 1) / trailer.Chunk) || trailer.Key is not { Length: > 0 })
        {
            throw new CorruptException($"'{path}' has a damaged trailer.");
        }

        return trailer;
    }

    /// <summary>Reads the whole body and checks every checksum (rebuild, snapshots).</summary>
    /// <exception cref="CorruptException">A chunk or the whole body does not match its checksum.</exception>
    public static async Task VerifyAsync(SafeFileHandle file, BlobTrailer trailer, string path, CancellationToken cancellationToken)
    {
        await using var stream = new VerifiedBlobStream(file, ownsHandle: false, trailer, path, 0, trailer.Size);
        await stream.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> FillAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await body.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }
}
