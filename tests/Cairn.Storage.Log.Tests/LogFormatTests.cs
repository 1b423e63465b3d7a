using System.Buffers.Binary;
using System.IO.Hashing;
using Cairn.Core;

namespace Cairn.Storage.Log.Tests;

/// <summary>Log files written by a newer Cairn are refused whole, never cut as a torn tail.</summary>
public sealed class LogFormatTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ASegmentOfANewerFormat_IsRefusedWithOneLine_AndKept()
    {
        var directory = Path.Combine(_dir.Path, "log");
        await using (var store = await LogKeyspace.OpenAsync(new LogKeyspaceOptions { Directory = directory }))
        {
            await store.PutAsync(new PutRequest("a", "1"u8.ToArray()));
        }

        // The only (so the last) segment, its header saying format 2 with a valid checksum.
        var segment = Assert.Single(Directory.GetFiles(directory, "wal-*.log"));
        var bytes = await File.ReadAllBytesAsync(segment);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), Crc32.HashToUInt32(bytes.AsSpan(0, 24)));
        await File.WriteAllBytesAsync(segment, bytes);

        var error = await Assert.ThrowsAsync<UnavailableException>(() => LogKeyspace.OpenAsync(new LogKeyspaceOptions { Directory = directory }));

        Assert.Equal($"log directory {directory} has format version 2; this cairn knows up to 1; use a newer cairn", error.Message);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(segment));
    }
}
