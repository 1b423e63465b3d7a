using Cairn.Core;
using Cairn.Storage.Replicated;
using static Cairn.Storage.Tests.Cluster;

namespace Cairn.Storage.Tests;

/// <summary>The in-memory log as <see cref="IKeyspaceLog"/> promises it, and the format of what goes into a log.</summary>
public sealed class ReplicatedLogTests
{
    [Fact]
    public async Task Append_TakesTheNextIndex_OnlyIfNobodyTookItFirst_AndHintsTheOtherHandles()
    {
        await using var log = new MemoryKeyspaceLog();
        await using var other = log.Connect();
        var (hintsToLog, hintsToOther) = (0, 0);
        log.Grown = () => Interlocked.Increment(ref hintsToLog);
        other.Grown = () => Interlocked.Increment(ref hintsToOther);

        Assert.True(await log.TryAppendAsync(0, new byte[] { 1 }));
        Assert.False(await other.TryAppendAsync(0, new byte[] { 2 }));
        Assert.True(await other.TryAppendAsync(1, new byte[] { 3 }));

        Assert.Equal((1, 1), (hintsToLog, hintsToOther));
        Assert.Equal(2, await other.LastIndexAsync());
        Assert.Equal([(1L, (byte)1), (2L, (byte)3)], (await other.ReadAsync(0, 10)).Select(r => (r.Index, r.Entry.Span[0])));
        Assert.Equal([2L], (await log.ReadAsync(1, 1)).Select(r => r.Index));
        Assert.Empty(await log.ReadAsync(2, 10));
    }

    [Fact]
    public async Task Truncate_DropsEntriesTheSnapshotCovers_AndReadersBehindItAreToldWhereTheLogNowStarts()
    {
        await using var log = new MemoryKeyspaceLog();
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await log.TryAppendAsync(i, new byte[] { (byte)i }));
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.TruncateAsync(3).AsTask());
        await log.WriteSnapshotAsync(6, new byte[] { 42 });
        await log.WriteSnapshotAsync(4, new byte[] { 41 });
        await log.TruncateAsync(5);
        await log.TruncateAsync(2);

        Assert.Equal((6L, (byte)42), (await log.ReadSnapshotAsync()) is { } snapshot ? (snapshot.Index, snapshot.Data.Span[0]) : default);
        Assert.Equal(6, log.FirstIndex);
        Assert.Equal(6, (await Assert.ThrowsAsync<LogTruncatedException>(() => log.ReadAsync(3, 10).AsTask())).FirstIndex);
        Assert.Equal([6L, 7, 8, 9, 10], (await log.ReadAsync(5, 10)).Select(r => r.Index));
        Assert.Equal(10, await log.LastIndexAsync());
    }

    [Fact]
    public async Task AClosedHandle_RefusesCalls_AndLeavesTheLogToTheOthers()
    {
        var log = new MemoryKeyspaceLog();
        await using var other = log.Connect();
        await log.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.LastIndexAsync().AsTask());
        Assert.True(await other.TryAppendAsync(0, new byte[] { 1 }));
    }

    [Fact]
    public void Entry_RoundTripsEveryEffect()
    {
        var kv = new KeyValue("k/é", new byte[] { 0, 1, 255 }, 5, 9, 3, 77);
        var entry = new LogEntry(-12345, 678, new Effect[]
        {
            new Effect.LeaseGranted(77, 60, 638_000_000_000_000_000),
            new Effect.Write(9, [new KeyChange(Bytes("k/é"), kv), new KeyChange(Bytes("gone"), new KeyValue("gone", ReadOnlyMemory<byte>.Empty, 0, 9, 0, 0))]),
            new Effect.LeaseRenewed(77, 638_000_000_010_000_000),
            new Effect.LeaseEnded(76),
            new Effect.Compacted(8),
        });

        var decoded = LogEntry.Decode(entry.Encode());

        Assert.Equal((entry.Writer, entry.Sequence), (decoded.Writer, decoded.Sequence));
        Assert.Equal(entry.Effects.Count, decoded.Effects.Count);
        var write = Assert.IsType<Effect.Write>(decoded.Effects[1]);
        Assert.Equal(9, write.Revision);
        Assert.Equal(
            ["k/é=0001FF c5 m9 v3 l77", "gone= c0 m9 v0 l0"],
            write.Changes.Select(c => $"{c.Kv.Key}={Convert.ToHexString(c.Kv.Value.Span)} c{c.Kv.CreateRevision} m{c.Kv.ModRevision} v{c.Kv.Version} l{c.Kv.Lease}"));
        Assert.Equal(entry.Effects[0], decoded.Effects[0]);
        Assert.Equal(entry.Effects[2], decoded.Effects[2]);
        Assert.Equal(entry.Effects[3], decoded.Effects[3]);
        Assert.Equal(entry.Effects[4], decoded.Effects[4]);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 0, 200 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 })]
    public void Entry_ThatIsMalformedOrOfAnUnknownVersion_IsCorrupt(byte[] bytes)
    {
        var error = Assert.Throws<CorruptException>(() => LogEntry.Decode(bytes));

        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void Snapshot_OfAnUnknownVersion_IsCorrupt_AndSaysSo()
    {
        var error = Assert.Throws<CorruptException>(() => KeyspaceState.ReadSnapshot(new byte[] { 2, 1, 0 }, 5));

        Assert.Contains("format version 2", error.Message, StringComparison.Ordinal);
    }
}
