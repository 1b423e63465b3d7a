using System.Text;
using Cairn.Core;
using Cairn.Storage.Replicated;

namespace Cairn.Storage.Log.Tests;

/// <summary>The log on its own: what survives a reopen, what a torn tail or damage does, snapshots and truncation.</summary>
public sealed class FileKeyspaceLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private FileKeyspaceLog Open(long segmentBytes = 64L << 20) =>
        FileKeyspaceLog.Open(new FileKeyspaceLogOptions { Directory = _dir.Path, SegmentBytes = segmentBytes });

    private static byte[] Entry(long index) => Encoding.UTF8.GetBytes($"entry {index} " + new string('x', (int)(index % 300)));

    private static async Task AppendAsync(FileKeyspaceLog log, long from, long through)
    {
        for (var index = from; index <= through; index++)
        {
            Assert.True(await log.TryAppendAsync(index - 1, Entry(index)));
        }
    }

    private static async Task AssertEntriesAsync(FileKeyspaceLog log, long from, long through)
    {
        var next = from;
        while (next <= through)
        {
            var records = await log.ReadAsync(next - 1, 100);
            Assert.NotEmpty(records);
            foreach (var record in records)
            {
                Assert.Equal(next, record.Index);
                Assert.Equal(Entry(next), record.Entry.ToArray());
                next++;
            }
        }

        Assert.Equal(through, await log.LastIndexAsync());
        Assert.Empty(await log.ReadAsync(through, 100));
    }

    private string LastSegment() => Directory.GetFiles(_dir.Path, "wal-*.log").Order(StringComparer.Ordinal).Last();

    [Fact]
    public async Task Entries_SurviveAReopen_AcrossSegments_AndAppendsContinueAfterThem()
    {
        await using (var log = Open(segmentBytes: 4096))
        {
            await AppendAsync(log, 1, 200);
            Assert.False(await log.TryAppendAsync(150, Entry(151)));
        }

        Assert.True(Directory.GetFiles(_dir.Path, "wal-*.log").Length > 3);
        await using (var log = Open(segmentBytes: 4096))
        {
            Assert.Null(log.Recovery);
            await AssertEntriesAsync(log, 1, 200);
            await AppendAsync(log, 201, 210);
        }

        await using var again = Open(segmentBytes: 4096);
        await AssertEntriesAsync(again, 1, 210);
    }

    [Fact]
    public async Task ARecordCutMidway_IsRemovedAtOpen_Reported_AndItsIndexIsWrittenAgain()
    {
        await using (var log = Open())
        {
            await AppendAsync(log, 1, 50);
        }

        var segment = LastSegment();
        var whole = new FileInfo(segment).Length;
        var lastLength = 16 + Entry(50).Length;
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(whole - (lastLength / 2)); // the last record is half there
        }

        await using (var log = Open())
        {
            var recovery = Assert.IsType<LogRecovery>(log.Recovery);
            Assert.Equal(49, recovery.LastIndex);
            Assert.Equal(whole - lastLength, recovery.Offset);
            Assert.Equal(lastLength - (lastLength / 2), recovery.BytesCut);
            await AssertEntriesAsync(log, 1, 49);
            await AppendAsync(log, 50, 60);
        }

        await using var again = Open();
        Assert.Null(again.Recovery);
        await AssertEntriesAsync(again, 1, 60);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(5000)]
    public async Task GarbageAfterTheLastRecord_IsRemovedAtOpen_AndReported(int garbageBytes)
    {
        await using (var log = Open())
        {
            await AppendAsync(log, 1, 20);
        }

        var segment = LastSegment();
        var whole = new FileInfo(segment).Length;
        var garbage = new byte[garbageBytes];
        new Random(garbageBytes).NextBytes(garbage);
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            await file.WriteAsync(garbage);
        }

        await using var reopened = Open();
        var recovery = Assert.IsType<LogRecovery>(reopened.Recovery);
        Assert.Equal(20, recovery.LastIndex);
        Assert.Equal(whole, recovery.Offset);
        Assert.Equal(garbageBytes, recovery.BytesCut);
        Assert.Equal(whole, new FileInfo(segment).Length);
        await AssertEntriesAsync(reopened, 1, 20);
    }

    [Fact]
    public async Task AChangedByteInAnEarlierSegment_RefusesToOpen_NamingTheSegment()
    {
        await using (var log = Open(segmentBytes: 4096))
        {
            await AppendAsync(log, 1, 100);
        }

        var first = Directory.GetFiles(_dir.Path, "wal-*.log").Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(first);
        bytes[bytes.Length - 3] ^= 0xFF; // inside the first segment's last record
        await File.WriteAllBytesAsync(first, bytes);

        var error = Assert.Throws<CorruptException>(() => Open(segmentBytes: 4096));
        Assert.Contains(Path.GetFileName(first), error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASnapshot_LetsTruncationDropWholeSegments_AndBothSurviveAReopen()
    {
        await using (var log = Open(segmentBytes: 4096))
        {
            await AppendAsync(log, 1, 300);
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.TruncateAsync(10));
            await log.WriteSnapshotAsync(250, Encoding.UTF8.GetBytes("state at 250"));
            await log.TruncateAsync(250);
            Assert.True(log.FirstIndex is > 1 and <= 251);
            var truncated = await Assert.ThrowsAsync<LogTruncatedException>(async () => await log.ReadAsync(0, 10));
            Assert.Equal(log.FirstIndex, truncated.FirstIndex);
        }

        await using var reopened = Open(segmentBytes: 4096);
        var snapshot = Assert.IsType<LogSnapshot>(await reopened.ReadSnapshotAsync());
        Assert.Equal(250, snapshot.Index);
        Assert.Equal("state at 250", Encoding.UTF8.GetString(snapshot.Data.Span));
        await AssertEntriesAsync(reopened, 251, 300);
        Assert.Single(Directory.GetFiles(_dir.Path, "snap-*.snap"));
    }

    [Fact]
    public async Task ADamagedSnapshot_RefusesToOpen()
    {
        await using (var log = Open())
        {
            await AppendAsync(log, 1, 10);
            await log.WriteSnapshotAsync(10, Encoding.UTF8.GetBytes("the state after ten entries"));
        }

        var snapshot = Directory.GetFiles(_dir.Path, "snap-*.snap").Single();
        var bytes = await File.ReadAllBytesAsync(snapshot);
        bytes[^2] ^= 0x01;
        await File.WriteAllBytesAsync(snapshot, bytes);

        await using var log2 = Open();
        var error = await Assert.ThrowsAsync<CorruptException>(async () => await log2.ReadSnapshotAsync());
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondOpenOfTheSameDirectory_IsRefusedWhileTheFirstIsOpen()
    {
        await using var log = Open();
        await AppendAsync(log, 1, 3);
        var error = Assert.Throws<UnavailableException>(() => Open());
        Assert.Contains(_dir.Path, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
