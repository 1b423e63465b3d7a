using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Cairn.Storage.Log;

/// <summary>
/// One file of the log: a header naming the index of its first record, then records, each framed as
/// <c>[u32 length][u32 crc32 of index and payload][i64 index][payload]</c> (little-endian). A record is whole when its
/// frame fits in the file, its index is the next one, and its checksum matches; the first one that is not ends what can
/// be read.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    public const int HeaderBytes = 32;
    public const int FrameHeaderBytes = 16;

    // A record is one batch of writes; the keyspace limits keep it far below this. Larger lengths are damage.
    public const int MaxRecordBytes = 1 << 30;

    private static ReadOnlySpan<byte> Magic => "CAIRNLOG"u8;

    private const int Version = 1;

    private readonly List<long> _offsets = [];

    private LogSegment(string path, long firstIndex, FileStream file)
    {
        Path = path;
        FirstIndex = firstIndex;
        File = file;
    }

    public string Path { get; }

    public long FirstIndex { get; }

    public FileStream File { get; }

    /// <summary>Where the last whole record ends: where the next one is written.</summary>
    public long Length { get; private set; } = HeaderBytes;

    public int Count => _offsets.Count;

    /// <summary>The index of the last record, or <see cref="FirstIndex"/> − 1 when there is none.</summary>
    public long LastIndex => FirstIndex + _offsets.Count - 1;

    public static string NameFor(long firstIndex) => $"wal-{firstIndex.ToString("D20", CultureInfo.InvariantCulture)}.log";

    /// <summary>The first index a segment file's name carries, or null when the name is not a segment's.</summary>
    public static long? ParseName(string fileName) =>
        fileName.Length == 28 && fileName.StartsWith("wal-", StringComparison.Ordinal) && fileName.EndsWith(".log", StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(4, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index >= 1
            ? index
            : null;

    /// <summary>Creates an empty segment whose first record will be <paramref name="firstIndex"/>, durably (the file and
    /// its name in the directory).</summary>
    public static LogSegment Create(string directory, long firstIndex)
    {
        var path = System.IO.Path.Combine(directory, NameFor(firstIndex));
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
        });
        try
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], firstIndex);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32.HashToUInt32(header[..24]));
            RandomAccess.Write(file.SafeFileHandle, header, 0);
            file.Flush(flushToDisk: true);
            SyncFile.Directory(directory);
            return new LogSegment(path, firstIndex, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a segment and finds its whole records. The second value says why reading stopped before the end of
    /// the file, if it did; the caller decides whether that is a torn tail (the last segment) or damage.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is not a segment's header.</exception>
    public static (LogSegment Segment, string? Torn) Open(string path, long nameIndex)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
        });
        try
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            if (RandomAccess.Read(file.SafeFileHandle, header, 0) < HeaderBytes)
            {
                throw new InvalidDataException($"it is {file.Length} bytes long, shorter than a segment's header");
            }

            if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header[24..]) != Crc32.HashToUInt32(header[..24]))
            {
                throw new InvalidDataException("its header is not a Cairn log segment's (wrong magic or checksum)");
            }

            var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            if (version > Version)
            {
                // Written by a newer Cairn: refused, never taken for a torn header (which opening would cut away).
                throw LogFormat.TooNew(System.IO.Path.GetDirectoryName(path)!, version, Version);
            }

            if (version != Version)
            {
                throw new InvalidDataException($"it is format version {version}; this Cairn reads version {Version}");
            }

            var first = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
            if (first != nameIndex)
            {
                throw new InvalidDataException($"its header says its first index is {first}, its name says {nameIndex}");
            }

            var segment = new LogSegment(path, first, file);
            return (segment, segment.ScanRecords());
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // Reads the records from the header on; stops at the first that is not whole and says why (null: the file ends
    // exactly after a whole record).
    private string? ScanRecords()
    {
        var fileLength = File.Length;
        var position = (long)HeaderBytes;
        using var reader = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        reader.Position = position;
        var frame = new byte[FrameHeaderBytes];
        var payload = new byte[4096];
        while (true)
        {
            var left = fileLength - position;
            if (left == 0)
            {
                return null;
            }

            if (left < FrameHeaderBytes)
            {
                return $"{left} bytes after the last whole record, fewer than a record's frame";
            }

            reader.ReadExactly(frame);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4));
            var index = BinaryPrimitives.ReadInt64LittleEndian(frame.AsSpan(8));
            var expected = FirstIndex + _offsets.Count;
            if (length > MaxRecordBytes || length > left - FrameHeaderBytes)
            {
                return $"a record frame at offset {position} claims {length} bytes, more than the file holds";
            }

            if (index != expected)
            {
                return $"the record at offset {position} has index {index} where {expected} was next";
            }

            if (payload.Length < length)
            {
                payload = new byte[Math.Max(length, payload.Length * 2)];
            }

            reader.ReadExactly(payload, 0, (int)length);
            if (Checksum(index, payload.AsSpan(0, (int)length)) != crc)
            {
                return $"the record at offset {position} (index {index}) fails its checksum";
            }

            _offsets.Add(position);
            position += FrameHeaderBytes + length;
            Length = position;
        }
    }

    /// <summary>Cuts the file after its last whole record, durably; returns how many bytes went.</summary>
    public long CutTail()
    {
        var cut = File.Length - Length;
        File.SetLength(Length);
        File.Flush(flushToDisk: true);
        return cut;
    }

    /// <summary>Writes the record <paramref name="index"/> after the last one (not yet flushed).</summary>
    public void Append(long index, ReadOnlyMemory<byte> payload, byte[] scratch)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(scratch.AsSpan(4), Checksum(index, payload.Span));
        BinaryPrimitives.WriteInt64LittleEndian(scratch.AsSpan(8), index);

        // One pwritev for the frame and the payload.
        RandomAccess.Write(File.SafeFileHandle, [scratch.AsMemory(0, FrameHeaderBytes), payload], Length);
    }

    /// <summary>Counts the record written by <see cref="Append"/> once it is flushed.</summary>
    public void Appended(int payloadLength)
    {
        _offsets.Add(Length);
        Length += FrameHeaderBytes + payloadLength;
    }

    /// <summary>Reads record <paramref name="index"/>, checking its frame and checksum again.</summary>
    /// <exception cref="InvalidDataException">The record changed on disk since it was written.</exception>
    public byte[] Read(long index)
    {
        var offset = _offsets[(int)(index - FirstIndex)];
        Span<byte> frame = stackalloc byte[FrameHeaderBytes];
        var handle = File.SafeFileHandle;
        if (RandomAccess.Read(handle, frame, offset) < FrameHeaderBytes)
        {
            throw new InvalidDataException($"record {index} at offset {offset} of {Path} is cut short");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (length > MaxRecordBytes || BinaryPrimitives.ReadInt64LittleEndian(frame[8..]) != index)
        {
            throw new InvalidDataException($"record {index} at offset {offset} of {Path} has a damaged frame");
        }

        var payload = new byte[length];
        if (payload.Length > 0 && RandomAccess.Read(handle, payload, offset + FrameHeaderBytes) < payload.Length)
        {
            throw new InvalidDataException($"record {index} at offset {offset} of {Path} is cut short");
        }

        if (Checksum(index, payload) != BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]))
        {
            throw new InvalidDataException($"record {index} at offset {offset} of {Path} fails its checksum");
        }

        return payload;
    }

    public void Dispose() => File.Dispose();

    private static uint Checksum(long index, ReadOnlySpan<byte> payload)
    {
        var crc = new Crc32();
        Span<byte> indexBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(indexBytes, index);
        crc.Append(indexBytes);
        crc.Append(payload);
        return crc.GetCurrentHashAsUInt32();
    }
}
