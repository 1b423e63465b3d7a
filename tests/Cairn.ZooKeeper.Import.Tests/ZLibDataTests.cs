using System.IO.Compression;
using System.Text;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>The original's compression (Python's zlib.compress) is read back whole, and nothing else passes for it.</summary>
public sealed class ZLibDataTests
{
    // zlib.compress(b'{"a": 1}') on Debian's Python 3.11.
    private static readonly byte[] FromPython = Convert.FromHexString("789cab564a54b25230ac050009e50229");

    [Fact]
    public void Decompress_ReadsWhatPythonsZlibCompressWrote()
    {
        Assert.Equal("{\"a\": 1}", Encoding.UTF8.GetString(ZLibData.Decompress(FromPython, 1024)));
    }

    [Fact]
    public void Decompress_ReadsWhatZLibStreamWrites_OfAnySize()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"row {i};")));

        Assert.Equal(data, ZLibData.Decompress(Compress(data), data.Length));
    }

    [Fact]
    public void Decompress_RefusesDataThatIsNotZlib_SayingSo()
    {
        var plain = Encoding.UTF8.GetBytes("{\"a\": 1}");
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        Assert.Contains("not zlib-compressed", Assert.Throws<InvalidDataException>(() => ZLibData.Decompress(plain, 1024)).Message, StringComparison.Ordinal);
        Assert.Contains("not zlib-compressed", Assert.Throws<InvalidDataException>(() => ZLibData.Decompress(gzipped.ToArray(), 1024)).Message, StringComparison.Ordinal);
        Assert.Contains("holds no data", Assert.Throws<InvalidDataException>(() => ZLibData.Decompress(Array.Empty<byte>(), 1024)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decompress_RefusesAStreamCutShort_OrFollowedByOtherBytes_OrDamaged()
    {
        var whole = Compress(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"step\": \"begin\"} ", 500))));
        var damaged = whole.ToArray();
        damaged[whole.Length / 2] ^= 0x55;

        foreach (var bad in new[] { whole[..^1], whole[..^4], whole[..(whole.Length / 2)], [.. whole, 0x00], damaged })
        {
            var error = Assert.Throws<InvalidDataException>(() => ZLibData.Decompress(bad, 1 << 20));
            Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decompress_StopsAtTheLimit_WithoutInflatingTheRest()
    {
        var bomb = Compress(new byte[64 * 1024 * 1024]); // 64 MiB of zeros in about 64 KiB

        var error = Assert.Throws<InvalidDataException>(() => ZLibData.Decompress(bomb, 1024 * 1024));

        Assert.Contains("more than 1048576 bytes", error.Message, StringComparison.Ordinal);
    }

    internal static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }
}
