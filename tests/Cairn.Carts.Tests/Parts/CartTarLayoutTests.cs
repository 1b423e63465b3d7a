using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Text;
using Cairn.Carts.Tar;
using Xunit.Abstractions;

namespace Cairn.Carts.Tests.Parts;

public sealed class CartTarLayoutTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset DirectoryTime = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Content(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A cart like the seed's (1/2/3/foo.txt…) plus long, non-ASCII, empty and block-sized files.</summary>
    private List<(CartTarEntry Entry, byte[] Content)> SampleCart()
    {
        var longSegment = new string('l', 120);
        var specs = new (string Path, int Size)[]
        {
            ("1/2/3/foo.txt", 30),
            ("1/2/3/bar.csv", 512),
            ("1/2/baz.ini", 1000),
            ("empty", 0),
            ("dir with space/é ü.dat", 1025),
            (longSegment + "/f", 7),
            (string.Join('/', Enumerable.Repeat(new string('d', 200), 2)) + "/" + new string('n', 250), 4096),
            ("1/top", 3),
        };
        var result = new List<(CartTarEntry, byte[])>();
        for (var i = 0; i < specs.Length; i++)
        {
            var content = Content(i, specs[i].Size);

            // Every other file sits at an offset in a larger source, as a bundle's members do.
            var prefix = i % 2 == 0 ? 0 : 100 + i;
            var source = _dir.File($"src/{i:D6}.data", [.. Content(1000 + i, prefix), .. content, .. Content(2000 + i, 33)]);
            var modified = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + (i * 3601)).AddTicks(i * 1_234_567);
            result.Add((new CartTarEntry(specs[i].Path, specs[i].Size, modified, source, prefix), content));
        }

        return result;
    }

    private static byte[] ReadAll(Stream stream, int bufferSize = 65536)
    {
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }

    [Fact]
    public void Bytes_AreWhatTarWriterWritesWithTheRealData()
    {
        var cart = SampleCart();
        var layout = CartTarLayout.Build("data", [.. cart.Select(c => c.Entry)], DirectoryTime);
        using var stream = layout.Open();
        var actual = ReadAll(stream);

        var expected = new MemoryStream();
        using (var writer = new TarWriter(expected, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Write(string name, bool directory, DateTimeOffset time, byte[]? data)
            {
                var t = ((decimal)(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture);
                var entry = new PaxTarEntry(directory ? TarEntryType.Directory : TarEntryType.RegularFile, name,
                    new Dictionary<string, string> { ["mtime"] = t, ["atime"] = t, ["ctime"] = t })
                {
                    ModificationTime = time,
                    Mode = directory ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100,
                };
                if (data is { Length: > 0 })
                {
                    entry.DataStream = new MemoryStream(data);
                }

                writer.WriteEntry(entry);
            }

            Write("data/", true, DirectoryTime, null);
            var seen = new HashSet<string>();
            foreach (var (entry, content) in cart)
            {
                var parts = entry.Path.Split('/');
                for (var i = 1; i < parts.Length; i++)
                {
                    var dir = "data/" + string.Join('/', parts[..i]) + "/";
                    if (seen.Add(dir))
                    {
                        Write(dir, true, DirectoryTime, null);
                    }
                }

                Write("data/" + entry.Path, false, entry.Modified, content);
            }
        }

        Assert.Equal(expected.Length, layout.Length);
        Assert.Equal(layout.Length, actual.Length);
        Assert.Equal(MaskExtendedHeaderNames(expected.ToArray()), MaskExtendedHeaderNames(actual));

        // Nothing of this process in the bytes: another process (or node) lays out the same tar.
        Assert.DoesNotContain($"PaxHeaders.{Environment.ProcessId}/", Encoding.ASCII.GetString(actual));
        using var again = CartTarLayout.Build("data", [.. cart.Select(c => c.Entry)], DirectoryTime).Open();
        Assert.Equal(actual, ReadAll(again));

        for (var i = 0; i < cart.Count; i++)
        {
            var offset = layout.DataOffset(i);
            Assert.Equal(cart[i].Content, actual.AsSpan((int)offset, cart[i].Content.Length).ToArray());
            Assert.Equal(0, offset % 512);
        }

        Assert.All(actual[^1024..], b => Assert.Equal(0, b));
    }

    /// <summary>Blanks the name, prefix and checksum of every PAX extended header (System.Formats.Tar puts its process
    /// id in the name; the layout writes a fixed one).</summary>
    private static byte[] MaskExtendedHeaderNames(byte[] tar)
    {
        var copy = (byte[])tar.Clone();
        var offset = 0;
        while (offset + 512 <= copy.Length && copy[offset] != 0)
        {
            var size = Convert.ToInt64(Encoding.ASCII.GetString(copy, offset + 124, 11), 8);
            if (copy[offset + 156] == (byte)'x')
            {
                copy.AsSpan(offset, 100).Clear();
                copy.AsSpan(offset + 148, 8).Clear();
                copy.AsSpan(offset + 345, 155).Clear();
            }

            offset += 512 + (int)((size + 511) / 512 * 512);
        }

        return copy;
    }

    [Fact]
    public void TarReader_ReadsEveryMember()
    {
        var cart = SampleCart();
        var layout = CartTarLayout.Build("root", [.. cart.Select(c => c.Entry)], DirectoryTime);
        using var stream = layout.Open();
        using var reader = new TarReader(stream);
        var names = new List<string>();
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            names.Add(entry.Name);
            Assert.Equal(0, entry.Uid);
            Assert.Equal(0, entry.Gid);
            Assert.Equal(string.Empty, ((PaxTarEntry)entry).UserName);
            if (entry.EntryType == TarEntryType.Directory)
            {
                Assert.Equal(DirectoryTime, entry.ModificationTime);
                Assert.Equal((UnixFileMode)0b111_101_101, entry.Mode);
                continue;
            }

            var (file, content) = cart.Single(c => "root/" + c.Entry.Path == entry.Name);
            Assert.Equal(file.Modified, entry.ModificationTime);
            Assert.Equal((UnixFileMode)0b110_100_100, entry.Mode);
            Assert.Equal(content, entry.DataStream is null ? [] : ReadAll(entry.DataStream));
        }

        Assert.Equal("root/", names[0]);
        Assert.Equal(["root/", "root/1/", "root/1/2/", "root/1/2/3/", "root/1/2/3/foo.txt", "root/1/2/3/bar.csv", "root/1/2/baz.ini", "root/empty"], names.Take(8));
        Assert.Equal(cart.Count + 1 + 3 + 1 + 1 + 2, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public async Task GnuTar_ListsAndExtractsIt()
    {
        var cart = SampleCart();
        var layout = CartTarLayout.Build("data_2024", [.. cart.Select(c => c.Entry)], DirectoryTime);
        var tarFile = Path.Combine(_dir.Path, "cart.tar");
        await using (var output = File.Create(tarFile))
        await using (var stream = layout.Open())
        {
            await stream.CopyToAsync(output);
        }

        var listing = await RunTar("--full-time", "-tvf", tarFile);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("drwxr-xr-x 0/0", lines[0]);
        Assert.EndsWith(" 2024-05-06 07:08:09 data_2024/", lines[0]);
        foreach (var (entry, _) in cart)
        {
            var line = Assert.Single(lines, l => l.EndsWith(" data_2024/" + entry.Path, StringComparison.Ordinal));
            Assert.StartsWith("-rw-r--r-- 0/0", line);
            Assert.Contains($" {entry.Size} {entry.Modified.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}", line);
        }

        var extractTo = Path.Combine(_dir.Path, "out");
        Directory.CreateDirectory(extractTo);
        await RunTar("-xf", tarFile, "-C", extractTo);
        foreach (var (entry, content) in cart)
        {
            var extracted = Path.Combine(extractTo, "data_2024", entry.Path);
            Assert.Equal(content, await File.ReadAllBytesAsync(extracted));
            Assert.Equal(entry.Modified.ToUnixTimeSeconds(), new DateTimeOffset(File.GetLastWriteTimeUtc(extracted)).ToUnixTimeSeconds());
        }

        Assert.Equal(
            cart.Count,
            Directory.EnumerateFiles(extractTo, "*", SearchOption.AllDirectories).Count());
    }

    private static async Task<string> RunTar(params string[] args)
    {
        var start = new ProcessStartInfo("tar") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["TZ"] = "UTC";
        start.Environment["LC_ALL"] = "C.UTF-8";
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && (await stderr).Length == 0, $"tar {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    [Fact]
    public async Task ReadsAtAnyOffset_GiveTheSameBytesAsAReadFromTheStart()
    {
        var cart = SampleCart();
        var layout = CartTarLayout.Build("data", [.. cart.Select(c => c.Entry)], DirectoryTime);
        byte[] full;
        using (var stream = layout.Open())
        {
            full = ReadAll(stream, 7);
        }

        var random = new Random(42);
        using var ranged = layout.Open();
        for (var i = 0; i < 400; i++)
        {
            var start = random.NextInt64(0, layout.Length + 10);
            var length = random.Next(1, i % 2 == 0 ? 600 : 20_000);
            ranged.Position = start;
            var buffer = new byte[length];
            var got = 0;
            while (got < length)
            {
                var n = i % 3 == 0
                    ? await ranged.ReadAsync(buffer.AsMemory(got))
                    : ranged.Read(buffer, got, length - got);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            var expected = start >= full.Length ? 0 : (int)Math.Min(length, full.Length - start);
            Assert.Equal(expected, got);
            Assert.True(full.AsSpan((int)Math.Min(start, full.Length), got).SequenceEqual(buffer.AsSpan(0, got)), $"range {start}+{length}");
        }

        Assert.Equal(layout.Length - 10, ranged.Seek(-10, SeekOrigin.End));
        Assert.Equal(10, ranged.Read(new byte[100]));
        Assert.Equal(0, ranged.Read(new byte[100]));
        ranged.Seek(5, SeekOrigin.End);
        Assert.Equal(0, ranged.Read(new byte[100]));
        Assert.Throws<IOException>(() => ranged.Seek(-1, SeekOrigin.Begin));
        Assert.True(ranged.CanSeek);
        Assert.False(ranged.CanWrite);
        Assert.Throws<NotSupportedException>(() => ranged.Write(new byte[1]));
    }

    [Fact]
    public void Build_RefusesUnsafeRootsAndPaths()
    {
        var source = _dir.File("s", [1]);
        var ok = new CartTarEntry("a", 1, DirectoryTime, source, 0);
        Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("../x", [ok], DirectoryTime));
        Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("", [ok], DirectoryTime));
        Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("a/b", [ok], DirectoryTime));
        foreach (var bad in new[] { "/etc/passwd", "../x", "a/../../x", "a//b", "a\0b", "./a" })
        {
            Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("r", [ok with { Path = bad }], DirectoryTime));
        }

        Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("r", [ok, ok with { Path = "a/b" }], DirectoryTime));
        Assert.Throws<InvalidArgumentException>(() => CartTarLayout.Build("r", [ok with { Size = -1 }], DirectoryTime));

        // A root that itself ends with .tar (from a download called x.tar.tar) is fine.
        Assert.Equal((3 * 512) + (3 * 512) + 512 + 1024, CartTarLayout.Build("x.tar", [ok], DirectoryTime).Length);
    }

    [Fact]
    public void Build_OfNoFiles_IsTheRootAlone()
    {
        var layout = CartTarLayout.Build("empty", [], DirectoryTime);
        using var stream = layout.Open();
        using var reader = new TarReader(stream);
        Assert.Equal("empty/", reader.GetNextEntry()!.Name);
        Assert.Null(reader.GetNextEntry());
    }

    public static TheoryData<string> BadSources => ["link", "missing", "short", "directory"];

    [Theory]
    [MemberData(nameof(BadSources))]
    public async Task ASourceThatIsALinkMissingOrShort_FailsTheReadNamingIt(string kind)
    {
        var good = _dir.File("good", Content(1, 2000));
        var secret = _dir.File("secret", Content(2, 2000));
        var bad = Path.Combine(_dir.Path, "bad");
        switch (kind)
        {
            case "link":
                File.CreateSymbolicLink(bad, secret);
                break;
            case "short":
                _dir.File("bad", Content(3, 1999));
                break;
            case "directory":
                Directory.CreateDirectory(bad);
                break;
        }

        var layout = CartTarLayout.Build("r", [new("a", 2000, DirectoryTime, good, 0), new("b", 2000, DirectoryTime, bad, 0)], DirectoryTime);

        using var stream = layout.Open();
        var before = new byte[layout.DataOffset(1)];
        stream.ReadExactly(before);
        Assert.Equal(Content(1, 2000), before.AsSpan((int)layout.DataOffset(0), 2000).ToArray());
        var error = Assert.Throws<IOException>(() => stream.Read(new byte[4096]));
        Assert.Contains($"'{bad}'", error.Message);

        using var async = layout.Open();
        async.Position = layout.DataOffset(1) + 100;
        error = await Assert.ThrowsAsync<IOException>(async () => await async.ReadAtLeastAsync(new byte[10], 1));
        Assert.Contains($"'{bad}'", error.Message);

        // The secret behind the link never comes out, whatever is read.
        using var all = layout.Open();
        var copy = new MemoryStream();
        await Assert.ThrowsAsync<IOException>(() => all.CopyToAsync(copy));
        Assert.Equal(layout.DataOffset(1), copy.Length);
    }

    [Fact]
    public void ASourceTruncatedWhileRead_FailsTheRead()
    {
        var source = _dir.File("s", Content(1, 100_000));
        var layout = CartTarLayout.Build("r", [new("a", 100_000, DirectoryTime, source, 0)], DirectoryTime);
        using var stream = layout.Open();
        stream.Position = layout.DataOffset(0);
        Assert.Equal(1000, stream.Read(new byte[1000]));
        using (var f = new FileStream(source, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(5000);
        }

        Assert.Equal(4000, stream.Read(new byte[10_000]));
        Assert.Contains("ended before", Assert.Throws<IOException>(() => stream.Read(new byte[10_000])).Message);
    }

    [Fact]
    public void AThreeGiBSparseSource_StreamsWithFlatMemory()
    {
        // 3 GiB read sequentially (holes read as zeros at memory speed): offsets past 2^31 and 2^32, and no
        // allocation on the data path. Takes a second or two.
        const long big = 3L << 30;
        var bigFile = Path.Combine(_dir.Path, "big");
        using (var f = new FileStream(bigFile, FileMode.CreateNew))
        {
            f.SetLength(big);
            f.Position = big - 5;
            f.Write("tail!"u8);
        }

        var first = _dir.File("first", Content(1, 777));
        var last = _dir.File("last", Content(2, 999));
        var layout = CartTarLayout.Build(
            "r",
            [new("first", 777, DirectoryTime, first, 0), new("big/file.bin", big, DirectoryTime, bigFile, 0), new("z", 999, DirectoryTime, last, 0)],
            DirectoryTime);
        Assert.True(layout.Length > big);

        using (var stream = layout.Open())
        {
            stream.Position = layout.DataOffset(1) + big - 5;
            var tail = new byte[5 + 2000];
            stream.ReadExactly(tail);
            Assert.Equal("tail!"u8.ToArray(), tail[..5]);
            stream.Position = layout.DataOffset(2);
            var z = new byte[999];
            stream.ReadExactly(z);
            Assert.Equal(Content(2, 999), z);
            stream.Position = layout.Length + 1000;
            Assert.Equal(0, stream.Read(z));
        }

        var buffer = new byte[4 << 20];
        long total = 0;
        var watch = Stopwatch.StartNew();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        using (var stream = layout.Open())
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                total += n;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        watch.Stop();
        output.WriteLine($"read {total} bytes in {watch.Elapsed.TotalSeconds:0.00} s ({total / watch.Elapsed.TotalSeconds / 1e6:0} MB/s), allocated {allocated} bytes");
        Assert.Equal(layout.Length, total);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated while streaming 3 GiB");
    }
}
