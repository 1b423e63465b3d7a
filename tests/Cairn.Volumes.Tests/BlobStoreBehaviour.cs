using System.Security.Cryptography;
using Cairn.Contracts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Volumes.Tests;

/// <summary>The blob store's behaviour, run on every backend: each test gets an empty store from the backend provider
/// and its own volume directories.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class BlobStoreBehaviour(Backend backend) : IAsyncLifetime
{
    protected string Scratch { get; } = Directory.CreateTempSubdirectory("cairn-volumes-").FullName;
    private readonly List<BlobStore> _blobs = [];
    private IKeyspace? _store;

    protected IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected BlobStore Blobs { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _store = await backend.OpenEmptyAsync(Scratch);
        Blobs = await NewBlobStoreAsync("node-a", Path.Combine(Scratch, "vol-a"));
    }

    public async Task DisposeAsync()
    {
        foreach (var blobs in _blobs)
        {
            await blobs.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(Scratch, recursive: true);
    }

    protected async Task<BlobStore> NewBlobStoreAsync(string node, string directory, IBlobRemote? remote = null, TimeProvider? time = null, int inline = 1024, params string[] more)
    {
        var blobs = new BlobStore(Store, new VolumeOptions
        {
            Directories = [directory, .. more],
            NodeId = node,
            InlineThreshold = inline,
            MinFreeBytes = 0,
            Time = time ?? TimeProvider.System,
        }, remote, NullLogger.Instance);
        await blobs.StartAsync();
        _blobs.Add(blobs);
        return blobs;
    }

    protected static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static async Task<byte[]> ReadAllAsync(BlobStore blobs, string key, long offset = 0, long? length = null)
    {
        await using var reader = await blobs.OpenReadAsync(key) ?? throw new InvalidOperationException($"no blob {key}");
        var output = new MemoryStream();
        await reader.CopyToAsync(output, offset, length ?? reader.Info.Size - offset);
        return output.ToArray();
    }

    protected static int FileCount(string volume) =>
        Directory.Exists(Path.Combine(volume, "blobs")) ? Directory.EnumerateFiles(Path.Combine(volume, "blobs"), "*.blob", SearchOption.AllDirectories).Count() : 0;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task PutThenGet_GivesBackTheSameBytes_InlineOrAsAFile(int size)
    {
        var body = Bytes(size);
        var result = await Blobs.PutAsync("a/b/c.bin", new MemoryStream(body));

        Assert.True(result.Created);
        Assert.Equal(size, result.Info.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), result.Info.Sha256);
        Assert.Equal(size > 1024, !result.Info.IsInline);
        Assert.Equal(size > 1024 ? 1 : 0, FileCount(Path.Combine(Scratch, "vol-a")));
        Assert.Equal(body, await ReadAllAsync(Blobs, "a/b/c.bin"));
    }

    [Fact]
    public async Task RangeReads_AcrossChunkBoundaries_GiveThoseBytes()
    {
        var body = Bytes((3 * 1024 * 1024) + 5);
        await Blobs.PutAsync("r", new MemoryStream(body));

        foreach (var (offset, length) in new[] { (0L, 1L), (1024L * 1024 - 3, 10L), (2L * 1024 * 1024, 1024L * 1024 + 5), ((long)body.Length - 1, 1L) })
        {
            Assert.Equal(body.AsSpan((int)offset, (int)length).ToArray(), await ReadAllAsync(Blobs, "r", offset, length));
        }
    }

    [Fact]
    public async Task IfAbsent_OnAnExistingKey_Conflicts_AndKeepsTheOriginalBytesAndFile()
    {
        var original = Bytes(5000, 1);
        await Blobs.PutAsync("dup.txt", new MemoryStream(original), new BlobPutOptions { ForceFile = true });

        await Assert.ThrowsAsync<ConflictException>(() => Blobs.PutAsync("dup.txt", new MemoryStream(Bytes(7000, 2)), new BlobPutOptions { IfAbsent = true, ForceFile = true }));

        Assert.Equal(original, await ReadAllAsync(Blobs, "dup.txt"));
        Assert.Equal(1, FileCount(Path.Combine(Scratch, "vol-a")));
    }

    [Fact]
    public async Task IfMatch_WritesOnlyOverTheGivenVersion()
    {
        var first = await Blobs.PutAsync("cas", new MemoryStream(Bytes(100, 1)));
        await Blobs.PutAsync("cas", new MemoryStream(Bytes(100, 2)), new BlobPutOptions { IfMatch = first.Info.ETag });

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Blobs.PutAsync("cas", new MemoryStream(Bytes(100, 3)), new BlobPutOptions { IfMatch = first.Info.ETag }));
        Assert.Equal(Bytes(100, 2), await ReadAllAsync(Blobs, "cas"));
    }

    [Fact]
    public async Task ABodyShorterThanAnnounced_StoresNothing()
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Blobs.PutAsync("short", new MemoryStream(Bytes(5000)), new BlobPutOptions { ExpectedLength = 6000, ForceFile = true }));

        Assert.Null(await Blobs.GetInfoAsync("short"));
        Assert.Equal(0, FileCount(Path.Combine(Scratch, "vol-a")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Scratch, "vol-a", "tmp")));
    }

    [Fact]
    public async Task Overwrite_AndDelete_RemoveTheOldFiles()
    {
        var volume = Path.Combine(Scratch, "vol-a");
        await Blobs.PutAsync("o", new MemoryStream(Bytes(5000, 1)), new BlobPutOptions { ForceFile = true });
        var second = await Blobs.PutAsync("o", new MemoryStream(Bytes(6000, 2)), new BlobPutOptions { ForceFile = true });

        Assert.False(second.Created);
        Assert.Equal(1, FileCount(volume));
        Assert.True(await Blobs.DeleteAsync("o"));
        Assert.False(await Blobs.DeleteAsync("o"));
        Assert.Equal(0, FileCount(volume));
        Assert.Null(await Blobs.OpenReadAsync("o"));
    }

    [Theory]
    [InlineData("a-b-c")]
    [InlineData("with space/and-dash.txt")]
    [InlineData("ünïcode/日本.txt")]
    [InlineData("percent%20and?query#hash+plus")]
    [InlineData("a/b/c/d/e/f.tar.gz")]
    public async Task AnyCharacterAUrlCanCarry_Works(string key)
    {
        await Blobs.PutAsync(key, new MemoryStream(Bytes(2000)));
        Assert.Equal(Bytes(2000), await ReadAllAsync(Blobs, key));
        Assert.Equal(key, Assert.Single((await Blobs.QueryAsync(new BlobQuery())).Items).Key);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    public async Task BadKeys_AreRefused_AndNothingIsStored(string key)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Blobs.PutAsync(key, new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true }));
        Assert.Empty((await Blobs.QueryAsync(new BlobQuery())).Items);
        Assert.Equal(0, FileCount(Path.Combine(Scratch, "vol-a")));
    }

    [Fact]
    public async Task AFlippedByte_IsCaughtBeforeAnyBadByteIsHandedOut()
    {
        var put = await Blobs.PutAsync("c", new MemoryStream(Bytes(3 * 1024 * 1024)));
        var path = VolumeLayout.BlobPath(Path.Combine(Scratch, "vol-a"), put.Info.BlobId!);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 1000;
            var b = file.ReadByte();
            file.Position = 1000;
            file.WriteByte((byte)(b ^ 0xFF));
        }

        await using var reader = await Blobs.OpenReadAsync("c");
        var output = new MemoryStream();
        await Assert.ThrowsAsync<CorruptException>(() => reader!.CopyToAsync(output));
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task OrphanFiles_FromACrashBeforeTheKeyWasWritten_AreRemovedAfterTheGracePeriod()
    {
        // What a crash between "file committed" and "key committed" leaves: a .blob no key refers to, and a tmp file.
        var volume = Path.Combine(Scratch, "vol-a");
        var put = await Blobs.PutAsync("keep", new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true });
        var source = VolumeLayout.BlobPath(volume, put.Info.BlobId!);
        var orphanId = BlobNames.NewId();
        var orphan = VolumeLayout.BlobPath(volume, orphanId);
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        File.Copy(source, orphan);
        var tmp = Path.Combine(volume, "tmp", BlobNames.NewId() + ".tmp");
        await File.WriteAllBytesAsync(tmp, Bytes(10));

        await Blobs.ReconcileAsync();
        Assert.True(File.Exists(orphan), "a young unreferenced file may be a put in progress: it stays");

        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(tmp, DateTime.UtcNow.AddHours(-1));
        await Blobs.ReconcileAsync();

        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(tmp));
        Assert.True(File.Exists(source));
        Assert.Equal(Bytes(5000), await ReadAllAsync(Blobs, "keep"));
    }

    [Fact]
    public async Task APin_HoldsFileRemovals_UntilItIsReleased()
    {
        var volume = Path.Combine(Scratch, "vol-a");
        await Blobs.PutAsync("p", new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true });
        var pin = await Blobs.PinFilesAsync();

        await Blobs.DeleteAsync("p");
        Assert.Equal(1, FileCount(volume));

        await pin.DisposeAsync();

        // Released: the background reaper may remove the file at once (it saw the delete); if it has not yet, the
        // file is old enough for a reconcile to remove it.
        if (Directory.EnumerateFiles(Path.Combine(volume, "blobs"), "*.blob", SearchOption.AllDirectories).SingleOrDefault() is { } left)
        {
            try
            {
                File.SetLastWriteTimeUtc(left, DateTime.UtcNow.AddHours(-1));
            }
            catch (FileNotFoundException)
            {
                // Removed meanwhile.
            }
        }

        await Blobs.ReconcileAsync();
        Assert.Equal(0, FileCount(volume));
    }

    [Fact]
    public async Task Rebuild_OnAWipedKeyspace_RestoresEveryKeyWithItsBytes()
    {
        var volume = Path.Combine(Scratch, "vol-a");
        var bodies = Enumerable.Range(0, 5).ToDictionary(i => $"dir/file-{i}.bin", i => Bytes(2000 + (i * 300_000), i));
        foreach (var (key, body) in bodies)
        {
            await Blobs.PutAsync(key, new MemoryStream(body), new BlobPutOptions { ForceFile = true });
        }

        // Wipe the metadata (as a lost keyspace would), but not the files: stop the store's reaper first.
        await Blobs.DisposeAsync();
        await Store.DeleteAsync(new DeleteRequest(KeyRange.Prefix("/cairn/blobs/")));
        var fresh = await NewBlobStoreAsync("node-a", volume);
        Assert.Empty((await fresh.QueryAsync(new BlobQuery())).Items);

        var result = await fresh.RebuildAsync(volume);

        Assert.Equal(5, result.Scanned);
        Assert.Equal(5, result.Restored);
        Assert.Empty(result.Corrupt);
        foreach (var (key, body) in bodies)
        {
            Assert.Equal(body, await ReadAllAsync(fresh, key));
        }

        Assert.Equal(5, (await fresh.RebuildAsync(volume)).Skipped);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => fresh.RebuildAsync(Scratch));
    }

    [Fact]
    public async Task Placement_PicksTheVolumeWithTheMostFreeSpace()
    {
        var one = Path.Combine(Scratch, "p1");
        var two = Path.Combine(Scratch, "p2");
        var blobs = await NewBlobStoreAsync("node-p", one, more: two);
        var free = new Dictionary<string, long> { [Path.GetFullPath(one)] = 1000_000, [Path.GetFullPath(two)] = 5000_000 };
        blobs.SpaceProbe = d => (free[d], 10_000_000);

        await blobs.PutAsync("x1", new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true });
        free[Path.GetFullPath(two)] = 10;
        await blobs.PutAsync("x2", new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true });

        Assert.Equal(1, FileCount(two));
        Assert.Equal(1, FileCount(one));
        Assert.Equal(2, blobs.LocalVolumes.Count);
        free[Path.GetFullPath(one)] = 10;
        await Assert.ThrowsAsync<InsufficientStorageException>(() => blobs.PutAsync("x3", new MemoryStream(Bytes(5000)), new BlobPutOptions { ForceFile = true, ExpectedLength = 5000 }));
    }

    [Fact]
    public async Task AnyNode_ReadsAnyKey_FetchingFromTheNodeThatHoldsIt()
    {
        var remote = new InProcessRemote();
        var nodeB = await NewBlobStoreAsync("node-b", Path.Combine(Scratch, "vol-b"), remote);
        remote.Nodes["node-a"] = Blobs;
        var body = Bytes((2 * 1024 * 1024) + 3);
        await Blobs.PutAsync("shared/file", new MemoryStream(body));

        Assert.Equal(body, await ReadAllAsync(nodeB, "shared/file"));
        Assert.Equal(body.AsSpan(1_500_000, 1000).ToArray(), await ReadAllAsync(nodeB, "shared/file", 1_500_000, 1000));
        Assert.Contains(await nodeB.VolumesAsync(), v => v.NodeId == "node-a");
    }

    [Fact]
    public async Task Query_ByTextPrefixAndDay()
    {
        await Blobs.PutAsync("logs/app-1.txt", new MemoryStream(Bytes(10)));
        await Blobs.PutAsync("logs/db-1.txt", new MemoryStream(Bytes(10)));
        await Blobs.PutAsync("other/APP.cfg", new MemoryStream(Bytes(10)));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        Assert.Equal(["logs/app-1.txt", "other/APP.cfg"], (await Blobs.QueryAsync(new BlobQuery { Text = "app" })).Items.Select(i => i.Key));
        Assert.Equal(["logs/app-1.txt", "logs/db-1.txt"], (await Blobs.QueryAsync(new BlobQuery { Prefix = "logs/" })).Items.Select(i => i.Key));
        Assert.Equal(3, (await Blobs.QueryAsync(new BlobQuery { CreatedOn = today })).Items.Count);
        Assert.Empty((await Blobs.QueryAsync(new BlobQuery { CreatedBefore = today })).Items);
        Assert.Equal(3, (await Blobs.QueryAsync(new BlobQuery { CreatedAfter = today.AddDays(-1), CreatedBefore = today.AddDays(1) })).Items.Count);
        Assert.Empty((await Blobs.QueryAsync(new BlobQuery { CreatedAfter = today, CreatedBefore = today.AddDays(2) })).Items);
        var page = await Blobs.QueryAsync(new BlobQuery { Limit = 2 });
        Assert.Equal("logs/db-1.txt", page.Next);
        Assert.Equal(["other/APP.cfg"], (await Blobs.QueryAsync(new BlobQuery { After = page.Next })).Items.Select(i => i.Key));
    }

    [Fact]
    public async Task Status_CountsEntriesAndBytes()
    {
        await Blobs.PutAsync("s1", new MemoryStream(Bytes(10)));
        await Blobs.PutAsync("s2", new MemoryStream(Bytes(5000)));

        var status = await Blobs.StatusAsync();

        Assert.Equal(2, status.Entries);
        Assert.Equal(5010, status.Bytes);
        Assert.Equal(1, status.InlineEntries);
        var volume = Assert.Single(status.Volumes);
        Assert.Equal("node-a", volume.NodeId);
        Assert.InRange(volume.UsedPercent, 0, 100);
        Assert.True(volume.TotalBytes > 0);
    }

    /// <summary>Reads another "node"'s files by calling its store directly, as the server does over HTTP.</summary>
    private sealed class InProcessRemote : IBlobRemote
    {
        public Dictionary<string, BlobStore> Nodes { get; } = [];

        public async Task<Stream> OpenAsync(VolumeRecord volume, string blobId, long offset, long length, CancellationToken cancellationToken) =>
            await Nodes[volume.NodeId].OpenLocalAsync(volume.VolumeId, blobId, offset, length, cancellationToken)
            ?? throw new UnavailableException("not there");
    }
}
