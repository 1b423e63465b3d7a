using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;
using Cairn.Core;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Volumes;

/// <summary>
/// A read-only stream over bytes <c>offset..+length</c> of a <c>.blob</c> file's body that reads whole chunks and
/// checks each chunk's CRC before handing out any of its bytes; when it covers the whole body it also checks the
/// SHA-256 before reporting the end. A mismatch throws <see cref="CorruptException"/>: a reader never gets bad
/// bytes silently. Memory: one pooled chunk buffer.
/// </summary>
internal sealed class VerifiedBlobStream : ReadOnlyStream
{
    private readonly SafeFileHandle _file;
    private readonly bool _ownsHandle;
    private readonly BlobTrailer _trailer;
    private readonly string _path;
    private readonly long _end;
    private readonly IncrementalHash? _sha;
    private byte[]? _buffer;
    private long _position;
    private long _chunkIndex = -1;
    private int _chunkLength;

    public VerifiedBlobStream(SafeFileHandle file, bool ownsHandle, BlobTrailer trailer, string path, long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, trailer.Size);
        _file = file;
        _ownsHandle = ownsHandle;
        _trailer = trailer;
        _path = path;
        _position = offset;
        _end = offset + length;
        _sha = offset == 0 && length == trailer.Size ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _buffer = ArrayPool<byte>.Shared.Rent(trailer.Chunk);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (_position >= _end || destination.Length == 0)
        {
            return 0;
        }

        var index = _position / _trailer.Chunk;
        if (index != _chunkIndex)
        {
            await LoadChunkAsync(index, cancellationToken).ConfigureAwait(false);
        }

        var start = index * _trailer.Chunk;
        var from = (int)(_position - start);
        var to = (int)Math.Min(_chunkLength, _end - start);
        var n = Math.Min(to - from, destination.Length);
        _buffer.AsMemory(from, n).CopyTo(destination);
        _position += n;
        if (_position >= _end && _sha is not null
            && !string.Equals(Convert.ToHexStringLower(_sha.GetHashAndReset()), _trailer.Sha256, StringComparison.Ordinal))
        {
            throw new CorruptException($"Blob '{_trailer.Key}' is corrupt: '{_path}' does not match its SHA-256.");
        }

        return n;
    }

    private async Task LoadChunkAsync(long index, CancellationToken cancellationToken)
    {
        var start = index * _trailer.Chunk;
        var length = (int)Math.Min(_trailer.Chunk, _trailer.Size - start);
        var chunk = _buffer.AsMemory(0, length);
        var read = 0;
        while (read < length)
        {
            var n = await RandomAccess.ReadAsync(_file, chunk[read..], start + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new CorruptException($"Blob '{_trailer.Key}' is corrupt: '{_path}' is shorter than its trailer says.");
            }

            read += n;
        }

        if (Crc32.HashToUInt32(chunk.Span) != _trailer.Crc[index])
        {
            throw new CorruptException($"Blob '{_trailer.Key}' is corrupt: chunk {index} of '{_path}' does not match its checksum.");
        }

        _sha?.AppendData(chunk.Span);
        _chunkIndex = index;
        _chunkLength = length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _sha?.Dispose();
            if (_ownsHandle)
            {
                _file.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
