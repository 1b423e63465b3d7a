using Cairn.Carts.Archives;
using Cairn.Contracts;

namespace Cairn.Carts.Tests.Node;

/// <summary>The cache volume on the local disk: planted links are never followed, nothing is written outside the volume,
/// and the POSIX directory archive end to end. About the disk, not the store: SQLite only.</summary>
public abstract class CartDiskBehaviour(Backend backend) : CartsHarness(backend)
{
    [Fact]
    public async Task AVolume_IsPrivate_AndKeepsItsIdAcrossRestarts()
    {
        var first = await StartNodeAsync("v");
        var id = first.VolumeId;
        await first.DisposeAsync();

        var second = await StartNodeAsync("v", nodeId: "other");

        Assert.Equal(id, second.VolumeId);
        Assert.Matches("^[0-9a-f]{32}$", id);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(second.VolumeDirectory));
        }
    }

    [Fact]
    public async Task AtStart_DirectoriesOfCartsThatAreGone_AreRemoved()
    {
        var stray = Directory.CreateDirectory(Path.Combine(VolumePath("s"), "0123456789abcdef0123456789abcdef")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stray, "000000.data"), "left over");
        var other = Path.Combine(VolumePath("s"), "not-a-cart");
        await File.WriteAllTextAsync(other, "not ours");

        await StartNodeAsync("s");

        Assert.False(Directory.Exists(stray));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public async Task ALinkPlantedInPlaceOfAStagedFile_FailsTheDownload_AndItsTargetIsNeverRead()
    {
        var node = await StartNodeAsync();
        await Carts.CreateAsync("planted", SeedCart(), true);
        var cart = await WaitForAsync("planted", CartStates.Ready);
        var secret = Path.Combine(Scratch, "secret.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET-CONTENT-OUTSIDE-THE-VOLUME");
        var data = Path.Combine(node.VolumeDirectory, cart.CartId, "000001.data");
        File.Delete(data);
        File.CreateSymbolicLink(data, secret);

        await using var download = await node.OpenDownloadAsync(cart, "p.tar");
        var read = new MemoryStream();
        await Assert.ThrowsAnyAsync<IOException>(() => download.Content.CopyToAsync(read));

        Assert.DoesNotContain("TOP-SECRET", System.Text.Encoding.UTF8.GetString(read.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_ACartWhoseDirectoryIsALink_RemovesTheLinkOnly()
    {
        var node = await StartNodeAsync();
        await Carts.CreateAsync("linked", SeedCart(), true);
        var cart = await WaitForAsync("linked", CartStates.Ready);
        var canary = Directory.CreateDirectory(Path.Combine(Scratch, "canary")).FullName;
        await File.WriteAllTextAsync(Path.Combine(canary, "keep.txt"), "keep");
        var directory = Path.Combine(node.VolumeDirectory, cart.CartId);
        Directory.Delete(directory, recursive: true);
        Directory.CreateSymbolicLink(directory, canary);

        await Carts.DeleteAsync("linked");

        await Eventually.UntilAsync(() => !Path.Exists(directory), Deadline, "the link is removed");
        Assert.True(File.Exists(Path.Combine(canary, "keep.txt")));
    }

    [Fact]
    public async Task PathsThatTryToEscape_StayInsideTheCart_AndNothingIsWrittenOutsideTheVolume()
    {
        var canary = Directory.CreateDirectory(Path.Combine(Scratch, "canary")).FullName;
        var before = Outside();
        var node = await StartNodeAsync();
        Archive.Add("p", "passwd"u8.ToArray());
        Archive.Add("q", "other"u8.ToArray());

        await Carts.CreateAsync("escape", Request([("p", "//etc/passwd", null), ("q", "/abs/./x//y", null)]), false);
        var cart = await WaitForAsync("escape", CartStates.Ready);
        await using var download = await node.OpenDownloadAsync(cart, "e.tar");

        Assert.Equal(["e/", "e/etc/", "e/etc/passwd", "e/abs/", "e/abs/x/", "e/abs/x/y"], (await ReadTarAsync(download.Content)).Select(m => m.Name));
        Assert.Equal(before, Outside());
        Assert.Empty(Directory.EnumerateFileSystemEntries(canary));
        Assert.All(Directory.EnumerateFileSystemEntries(node.VolumeDirectory), e => Assert.Matches("(volume\\.id|[0-9a-f]{32})$", e));

        List<string> Outside() => [.. Directory.EnumerateFiles(Scratch, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(Scratch, "volumes"), StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("cairn.db", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task TheSeedsCart_FromAPosixDirectoryArchive_IsReady_WithTheArchivesMtimes()
    {
        var root = Directory.CreateDirectory(Path.Combine(Scratch, "archive")).FullName;
        var mtime = new DateTimeOffset(2019, 5, 6, 7, 8, 9, TimeSpan.Zero);
        foreach (var (name, content) in SeedFiles)
        {
            var path = Path.Combine(root, name);
            await File.WriteAllBytesAsync(path, content);
            File.SetLastWriteTimeUtc(path, mtime.UtcDateTime);
        }

        var archives = new CartArchives([new DirectoryArchive(root)], "directory");
        var carts = new CartStore(Store, Fast, archives, TimeProvider.System);
        var node = new CartNode(Store, carts, archives, Fast, VolumePath("d"), "node-d", TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await node.StartAsync();
        try
        {
            var request = Request([("foo.txt", "1/2/3/foo.txt", SeedFiles["foo.txt"]), ("bar.csv", "1/2/3/bar.csv", SeedFiles["bar.csv"]), ("baz.ini", "2/3/4/baz.ini", SeedFiles["baz.ini"])]);
            await carts.CreateAsync("38", request, true);
            var cart = await WaitForAsync("38", CartStates.Ready);
            await using var download = await node.OpenDownloadAsync(cart, "38.tar");
            var copy = new MemoryStream();
            await download.Content.CopyToAsync(copy);
            copy.Position = 0;
            using var reader = new System.Formats.Tar.TarReader(copy);
            var entries = new List<System.Formats.Tar.TarEntry>();
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                entries.Add(entry);
            }

            var foo = entries.Single(e => e.Name == "38/1/2/3/foo.txt");
            Assert.Equal(mtime, foo.ModificationTime);
            Assert.Equal(SeedFiles.Count, entries.Count(e => e.EntryType != System.Formats.Tar.TarEntryType.Directory));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
