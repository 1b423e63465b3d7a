using Cairn.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Volumes.Tests;

/// <summary>A blob stored with a TTL (the Pulzar API's <c>temporal=N</c> days) is gone after the time passes, key and
/// file (the seed never deleted them). On a fake clock shared by the store and the blob store.</summary>
public sealed class ExpiryTests : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-expiry-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SqliteKeyspace _store = null!;
    private BlobStore _blobs = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_scratch, "cairn.db"), Durability = SqliteDurability.None, Time = _time });
        _blobs = new BlobStore(_store, new VolumeOptions { Directories = [Path.Combine(_scratch, "vol")], NodeId = "n", MinFreeBytes = 0, Time = _time }, null, NullLogger.Instance);
        await _blobs.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _blobs.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task ATemporalBlob_AndItsFile_AreGoneAfterItsDays()
    {
        var put = await _blobs.PutAsync("tmp/report.csv", new MemoryStream(new byte[5000]), new BlobPutOptions { Ttl = TimeSpan.FromDays(2), ForceFile = true });
        await _blobs.PutAsync("keep.csv", new MemoryStream(new byte[5000]), new BlobPutOptions { ForceFile = true });
        var file = VolumeLayout.BlobPath(Path.Combine(_scratch, "vol"), put.Info.BlobId!);
        Assert.True(File.Exists(file));
        Assert.Equal(_time.GetUtcNow().AddDays(2).ToUnixTimeMilliseconds(), put.Info.Expires!.Value.ToUnixTimeMilliseconds());

        _time.Advance(TimeSpan.FromDays(1));
        Assert.NotNull(await _blobs.GetInfoAsync("tmp/report.csv"));

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Null(await _blobs.GetInfoAsync("tmp/report.csv"));
        // The store's lease sweeper waits on the same fake clock; it re-arms its timer after each sweep, so the clock
        // keeps moving (a second at a time) while we wait, as a real one would.
        await Eventually.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                return !File.Exists(file);
            },
            TimeSpan.FromSeconds(20),
            "the expired blob's file is removed");
        await Eventually.UntilAsync(
            async () => (await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(BlobKeys.Meta("tmp/"))))).Kvs.Count == 0,
            TimeSpan.FromSeconds(20),
            "the lease sweeper deletes the key");
        Assert.NotNull(await _blobs.GetInfoAsync("keep.csv"));
    }
}
