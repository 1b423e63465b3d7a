using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Cairn.Core;

namespace Cairn.Storage.Log;

/// <summary>
/// The log's snapshot on disk: <c>snap-&lt;index&gt;.snap</c>, a header (magic, version, the index it was taken after,
/// the data's length and CRC-32) and the data. Written to a temporary name, flushed, renamed, and the directory
/// flushed, so a crash leaves either the old snapshot or the new one whole; older ones are removed after.
/// </summary>
internal sealed record SnapshotFile(string Path, long Index)
{
    private const int HeaderBytes = 32;
    private const int Version = 1;

    private static ReadOnlySpan<byte> Magic => "CAIRNSNP"u8;

    public static string NameFor(long index) => $"snap-{index.ToString("D20", CultureInfo.InvariantCulture)}.snap";

    /// <summary>The newest snapshot in <paramref name="directory"/> whose header reads, or null.</summary>
    /// <exception cref="CorruptException">The newest snapshot's header is damaged.</exception>
    public static SnapshotFile? FindLatest(string directory)
    {
        var newest = System.IO.Directory.EnumerateFiles(directory, "snap-*.snap")
            .Select(path => (Path: path, Name: System.IO.Path.GetFileName(path)))
            .Where(entry => entry.Name.Length == 30 && long.TryParse(entry.Name.AsSpan(5, 20), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(entry => new SnapshotFile(entry.Path, long.Parse(entry.Name.AsSpan(5, 20), NumberStyles.None, CultureInfo.InvariantCulture)))
            .MaxBy(snapshot => snapshot.Index);
        newest?.Read(headerOnly: true);
        return newest;
    }

    /// <summary>Writes <paramref name="data"/> as the snapshot after <paramref name="index"/>, durably, and removes the
    /// older ones.</summary>
    public static SnapshotFile Write(string directory, long index, ReadOnlySpan<byte> data)
    {
        var path = System.IO.Path.Combine(directory, NameFor(index));
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteInt64LittleEndian(header[12..], index);
            BinaryPrimitives.WriteInt64LittleEndian(header[20..], data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32.HashToUInt32(data));
            file.Write(header);
            file.Write(data);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncFile.Directory(directory);
        foreach (var older in System.IO.Directory.EnumerateFiles(directory, "snap-*.snap"))
        {
            if (!string.Equals(older, path, StringComparison.Ordinal))
            {
                File.Delete(older);
            }
        }

        return new SnapshotFile(path, index);
    }

    /// <summary>The snapshot's data, its checksum checked.</summary>
    /// <exception cref="CorruptException">The file is damaged.</exception>
    public byte[] Read(bool headerOnly = false)
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header[..8].SequenceEqual(Magic))
        {
            throw new CorruptException($"Snapshot '{Path}' is damaged: its header is not a Cairn snapshot's.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var index = BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        var length = BinaryPrimitives.ReadInt64LittleEndian(header[20..]);
        if (version > Version)
        {
            throw LogFormat.TooNew(System.IO.Path.GetDirectoryName(Path)!, version, Version);
        }

        if (version != Version || index != Index || length < 0 || length != file.Length - HeaderBytes || length > Array.MaxLength)
        {
            throw new CorruptException($"Snapshot '{Path}' is damaged: its header (version {version}, index {index}, {length} bytes) does not match its name and size.");
        }

        if (headerOnly)
        {
            return [];
        }

        var data = new byte[length];
        file.ReadExactly(data);
        if (Crc32.HashToUInt32(data) != BinaryPrimitives.ReadUInt32LittleEndian(header[28..]))
        {
            throw new CorruptException($"Snapshot '{Path}' is damaged: its data fails its checksum.");
        }

        return data;
    }
}
