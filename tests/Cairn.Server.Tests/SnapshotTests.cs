using System.Formats.Tar;
using System.Net;
using Cairn.Client;
using Cairn.Core;
using Cairn.Server.Snapshots;

namespace Cairn.Server.Tests;

/// <summary>Backup and restore: a snapshot taken while the server runs, restored into a new data directory and served
/// again with identical keys and bytes; damaged snapshots change nothing; rebuilding metadata from volume files.</summary>
public sealed class SnapshotTests : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-snapshot-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_scratch, recursive: true);
        return Task.CompletedTask;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Task<CairnServer> StartAsync(string dataDir, string backend = "sqlite") => CairnServer.StartAsync([], new Dictionary<string, string?>
    {
        ["Backend"] = backend,
        ["DataDir"] = dataDir,
        ["Durability"] = "None",
        ["Listen:0"] = "unix:" + Path.Combine(dataDir, "c.sock"),
        ["Logging:LogLevel:Default"] = "Warning",
    });

    private static CairnClient Client(string dataDir) => new(new HttpClient(new SocketsHttpHandler { ConnectCallback = UnixSocketConnector.ConnectTo(Path.Combine(dataDir, "c.sock")) }) { BaseAddress = new Uri("http://localhost") });

    private readonly Dictionary<string, byte[]> _blobs = new()
    {
        ["small/inline.txt"] = Bytes(100, 1),
        ["big/file-1.bin"] = Bytes(3_000_000, 2),
        ["big/file-2.bin"] = Bytes(70_000, 3),
    };

    private async Task<string> SaveAsync(string source, string backend = "sqlite")
    {
        await using var server = await StartAsync(source, backend);
        using var client = Client(source);
        foreach (var (key, body) in _blobs)
        {
            await client.PutBlobAsync(key, new MemoryStream(body));
        }

        await client.PutAsync("config/plain", "v1"u8.ToArray());
        var lease = await client.GrantLeaseAsync(3600);
        await client.PutAsync("config/leased", "v2"u8.ToArray(), new PutOptions { Lease = lease.Id });
        await client.DeleteBlobAsync("big/file-2.bin");
        await client.PutBlobAsync("big/file-2.bin", new MemoryStream(_blobs["big/file-2.bin"]));

        var file = Path.Combine(_scratch, "snap.tar");
        await using (var stream = File.Create(file))
        {
            await client.SaveSnapshotAsync(stream);
        }

        return file;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("log")]
    public async Task SnapshotWipeRestore_GivesIdenticalKeysAndBytes(string backend)
    {
        var file = await SaveAsync(Path.Combine(_scratch, "source"), backend);
        var target = Path.Combine(_scratch, "restored");

        var result = await SnapshotRestore.RestoreAsync(file, target, backend);

        Assert.Equal(2, result.Files);
        await using var server = await StartAsync(target, backend);
        using var client = Client(target);
        foreach (var (key, body) in _blobs)
        {
            var copy = new MemoryStream();
            await client.GetBlobAsync(key, copy);
            Assert.Equal(body, copy.ToArray());
        }

        Assert.Equal("v1"u8.ToArray(), (await client.GetAsync("config/plain"))!.Value.ToArray());
        var leased = (await client.GetAsync("config/leased"))!;
        Assert.NotEqual(0, leased.Lease);
        Assert.InRange((await client.LeaseTimeToLiveAsync(leased.Lease))!.RemainingTtlSeconds, 3000, 3600);
        Assert.Equal(3, (await client.ListBlobsAsync()).Items.Count);
    }

    [Fact]
    public async Task ADamagedSnapshot_IsRefused_AndTheTargetStaysEmpty()
    {
        var file = await SaveAsync(Path.Combine(_scratch, "source"));
        var bytes = await File.ReadAllBytesAsync(file);
        var cases = new Dictionary<string, byte[]>
        {
            ["truncated-early"] = bytes[..700],
            ["truncated-middle"] = bytes[..(bytes.Length / 2)],
            ["truncated-late"] = bytes[..(bytes.Length - 1100)],
            ["flipped"] = Flip(bytes, bytes.Length / 2),
            ["empty"] = [],
        };
        foreach (var (name, content) in cases)
        {
            var damaged = Path.Combine(_scratch, name + ".tar");
            await File.WriteAllBytesAsync(damaged, content);
            var target = Path.Combine(_scratch, "target-" + name);

            var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => SnapshotRestore.RestoreAsync(damaged, target));

            Assert.Contains("Nothing was restored", error.Message);
            Assert.False(Directory.Exists(target), name);
            Assert.Empty(Directory.EnumerateDirectories(_scratch, ".target-" + name + "*"));
        }
    }

    [Fact]
    public async Task ASnapshotWithATraversingEntry_IsRefused_AndNothingIsWrittenOutside()
    {
        var evil = Path.Combine(_scratch, "evil.tar");
        await using (var stream = File.Create(evil))
        await using (var tar = new TarWriter(stream, TarEntryFormat.Pax))
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "snapshot.json") { DataStream = new MemoryStream("""{"format":1}"""u8.ToArray()) });
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "../escaped.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }

        var target = Path.Combine(_scratch, "sub", "target");
        await Assert.ThrowsAsync<InvalidArgumentException>(() => SnapshotRestore.RestoreAsync(evil, target));

        Assert.False(File.Exists(Path.Combine(_scratch, "sub", "escaped.txt")));
        Assert.False(File.Exists(Path.Combine(_scratch, "escaped.txt")));
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task RestoreIntoANonEmptyDirectory_IsRefused()
    {
        var file = await SaveAsync(Path.Combine(_scratch, "source"));
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => SnapshotRestore.RestoreAsync(file, Path.Combine(_scratch, "source")));
        Assert.Contains("not empty", error.Message);
    }

    [Fact]
    public async Task RebuildVolume_OnAWipedKeyspace_BringsEveryBlobBack()
    {
        var dataDir = Path.Combine(_scratch, "rebuild");
        await using (var server = await StartAsync(dataDir))
        {
            using var client = Client(dataDir);
            foreach (var (key, body) in _blobs)
            {
                await client.PutBlobAsync(key, new MemoryStream(body));
            }
        }

        foreach (var db in Directory.EnumerateFiles(dataDir, "cairn.db*"))
        {
            File.Delete(db);
        }

        await using (var server = await StartAsync(dataDir))
        {
            using var client = Client(dataDir);
            Assert.Empty((await client.ListBlobsAsync()).Items);

            var result = await client.RebuildVolumeAsync(Path.Combine(dataDir, "volumes"));

            Assert.Equal(2, result.Restored);
            foreach (var (key, body) in _blobs.Where(b => b.Value.Length > 16 * 1024))
            {
                var copy = new MemoryStream();
                await client.GetBlobAsync(key, copy);
                Assert.Equal(body, copy.ToArray());
            }

            var outside = await Assert.ThrowsAsync<InvalidArgumentException>(() => client.RebuildVolumeAsync("/etc"));
            Assert.Contains("not one of this server's volume directories", outside.Message);
        }
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x55;
        return copy;
    }
}
