using Cairn.Carts.Archives;

namespace Cairn.Carts.Tests.Parts;

public sealed class DirectoryArchiveTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _root;
    private readonly DirectoryArchive _archive;

    public DirectoryArchiveTests()
    {
        _root = Path.Combine(_dir.Path, "archive");
        _dir.File("archive/1/2/3/foo.txt", "Writing content for first file"u8.ToArray());
        _dir.File("archive/a b/c?d", "odd name"u8.ToArray());
        _dir.File("secret", "outside the archive"u8.ToArray());
        _dir.File("x", "outside too"u8.ToArray());
        File.SetLastWriteTimeUtc(Path.Combine(_root, "1/2/3/foo.txt"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        File.CreateSymbolicLink(Path.Combine(_root, "inside-link"), Path.Combine(_root, "1/2/3/foo.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "outside-link"), Path.Combine(_dir.Path, "secret"));
        File.CreateSymbolicLink(Path.Combine(_root, "relative-out"), "../secret");
        Directory.CreateSymbolicLink(Path.Combine(_root, "outside-dir"), _dir.Path);
        Directory.CreateSymbolicLink(Path.Combine(_root, "loop"), Path.Combine(_root, "loop"));
        _archive = new DirectoryArchive(_root);
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<byte[]> ReadAsync(Stream stream)
    {
        await using (stream)
        {
            var output = new MemoryStream();
            await stream.CopyToAsync(output);
            return output.ToArray();
        }
    }

    [Fact]
    public async Task AFile_IsOnDisk_AndReadsWholeOrFromAnOffset()
    {
        Assert.Equal("directory", _archive.Name);
        Assert.True(_archive.SupportsRange);
        await _archive.StageAsync("1/2/3/foo.txt", default);
        var status = await _archive.StatusAsync("1/2/3/foo.txt", default);
        Assert.Equal(30, status.Size);
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero), status.Modified);
        Assert.True(status.OnDisk);
        Assert.Equal("disk", status.Media);

        Assert.Equal("Writing content for first file"u8.ToArray(), await ReadAsync(await _archive.OpenReadAsync("1/2/3/foo.txt", 0, 30, default)));
        Assert.Equal("content"u8.ToArray(), await ReadAsync(await _archive.OpenReadAsync("1/2/3/foo.txt", 8, 7, default)));
        Assert.Empty(await ReadAsync(await _archive.OpenReadAsync("1/2/3/foo.txt", 30, 0, default)));
        Assert.Equal("odd name"u8.ToArray(), await ReadAsync(await _archive.OpenReadAsync("a b/c?d", 0, 8, default)));

        // A link that stays inside the root is followed.
        Assert.Equal(30, (await _archive.StatusAsync("inside-link", default)).Size);
    }

    [Theory]
    [InlineData("../secret")]
    [InlineData("../x")]
    [InlineData("1/../../secret")]
    [InlineData("/etc/passwd")]
    [InlineData("//etc/passwd")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("1/2/3/foo.txt\0")]
    [InlineData("outside-link")]
    [InlineData("relative-out")]
    [InlineData("outside-dir/secret")]
    [InlineData("loop")]
    [InlineData("1/2")]
    [InlineData("missing")]
    [InlineData("1/2/3/foo.txt/x")]
    public async Task IdsOutsideTheRootOrNotFiles_AreNotFound_WithoutSayingWhy(string id)
    {
        foreach (var call in new Func<Task>[]
        {
            () => _archive.StageAsync(id, default),
            () => _archive.StatusAsync(id, default),
            () => _archive.OpenReadAsync(id, 0, 1, default),
        })
        {
            var error = await Assert.ThrowsAsync<CartArchiveException>(call);
            Assert.Equal(ArchiveFailure.NotFound, error.Failure);
            Assert.StartsWith("No such file '", error.Message);
            Assert.DoesNotContain(_dir.Path, error.Message);
            Assert.DoesNotContain("\0", error.Message);
        }
    }

    [Fact]
    public async Task AReadPastTheEnd_IsRefused_AndAFileThatShrinks_FailsTheRead()
    {
        var error = await Assert.ThrowsAsync<CartArchiveException>(() => _archive.OpenReadAsync("1/2/3/foo.txt", 10, 21, default));
        Assert.Equal(ArchiveFailure.Failed, error.Failure);

        var path = _dir.File("archive/shrinks", new byte[100_000]);
        await using var stream = await _archive.OpenReadAsync("shrinks", 0, 100_000, default);
        File.WriteAllBytes(path, new byte[10]);
        var output = new MemoryStream();
        await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(output));
    }

    [Fact]
    public async Task ARootReachedThroughALink_Works()
    {
        var link = Path.Combine(_dir.Path, "root-link");
        Directory.CreateSymbolicLink(link, _root);
        var archive = new DirectoryArchive(link + "/", "other");
        Assert.Equal("other", archive.Name);
        Assert.Equal(30, (await archive.StatusAsync("1/2/3/foo.txt", default)).Size);
        Assert.Equal(ArchiveFailure.NotFound, (await Assert.ThrowsAsync<CartArchiveException>(() => archive.StatusAsync("../secret", default))).Failure);
    }

    [Fact]
    public void AMissingRoot_IsRefused() =>
        Assert.Throws<DirectoryNotFoundException>(() => new DirectoryArchive(Path.Combine(_dir.Path, "nope")));
}
