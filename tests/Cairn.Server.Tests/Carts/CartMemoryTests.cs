using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cairn.Server.Tests.Carts;

/// <summary>
/// A 2 GiB cart (a sparse file in a directory archive) staged and served by the real <c>cairn serve</c>: the server's
/// peak memory stays far below the cart's size, and a download cut at 1 GiB and resumed with <c>Range</c> and
/// <c>If-Range</c> gives the same bytes as a whole one. Slow by nature (4 GiB read, 2 GiB written): it is the size that
/// is tested.
/// </summary>
public sealed class CartMemoryTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const long Size = 2L << 30;
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-cart-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ATwoGibibyteCart_IsServedWithFlatMemory_AndAResumedDownloadIsByteIdentical()
    {
        var archive = Directory.CreateDirectory(Path.Combine(_dir, "archive")).FullName;
        await using (var file = File.Create(Path.Combine(archive, "big.bin")))
        {
            file.SetLength(Size);
            file.Position = Size / 2;
            file.Write("the middle"u8);
        }

        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        using var server = await ServerProcess.StartAsync(data, TimeSpan.FromSeconds(60), new Dictionary<string, string>
        {
            ["CAIRN_DURABILITY"] = "None",
            ["CAIRN_JOBS__ENABLED"] = "false",
            ["CAIRN_CARTS__ARCHIVEDIRECTORY"] = archive,
            ["CAIRN_CARTS__ARCHIVE"] = "directory",
            ["CAIRN_CARTS__MINFREEBYTES"] = "0",
        });
        using var http = ServerFixture.UnixHttpClient(server.SocketPath);
        http.Timeout = TimeSpan.FromMinutes(10);
        var body = JsonSerializer.Serialize(new { fileIds = new[] { new { id = "big.bin", path = "data/big.bin" } } });
        using (var posted = await http.PostAsync("/v1/carts/big", Cartd.Json(body)))
        {
            Assert.True(posted.StatusCode == HttpStatusCode.Created, server.Output);
        }

        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync("/v1/carts/big"), HttpStatusCode.OK)).GetProperty("state").GetString() is "ready" or "error", TimeSpan.FromMinutes(5), "the 2 GiB cart settles");
        var cart = await Cartd.JsonAsync(await http.GetAsync("/v1/carts/big"), HttpStatusCode.OK);
        Assert.True(cart.GetProperty("state").GetString() == "ready", cart.ToString() + server.Output);

        // Whole.
        string whole;
        long length;
        EntityTagHeaderValue etag;
        using (var response = await http.GetAsync("/v1/carts/big/tar?filename=big.tar", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            etag = response.Headers.ETag!;
            (whole, length) = await Cartd.HashAsync(await response.Content.ReadAsStreamAsync());
            Assert.Equal(response.Content.Headers.ContentLength, length);
        }

        Assert.True(length > Size);

        // Cut at 1 GiB (the client goes away), then the rest.
        const long Cut = 1L << 30;
        using var resumed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var response = await http.GetAsync("/v1/carts/big/tar?filename=big.tar", HttpCompletionOption.ResponseHeadersRead))
        {
            var (_, read) = await Cartd.HashAsync(await response.Content.ReadAsStreamAsync(), resumed, stopAfter: Cut);
            Assert.Equal(Cut, read);
        }

        using var rest = new HttpRequestMessage(HttpMethod.Get, "/v1/carts/big/tar?filename=big.tar");
        rest.Headers.Range = new RangeHeaderValue(Cut, null);
        rest.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using (var response = await http.SendAsync(rest, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal($"bytes {Cut}-{length - 1}/{length}", response.Content.Headers.ContentRange?.ToString());
            var (_, read) = await Cartd.HashAsync(await response.Content.ReadAsStreamAsync(), resumed);
            Assert.Equal(length - Cut, read);
        }

        Assert.Equal(whole, Convert.ToHexStringLower(resumed.GetHashAndReset()));
        var peak = PeakRssBytes(server.Pid);
        output.WriteLine($"server peak RSS (VmHWM) after staging and serving a 2048 MiB cart: {peak / (1024 * 1024)} MiB");
        Assert.True(peak < 400L * 1024 * 1024, $"the server's peak RSS was {peak / (1024 * 1024)} MiB for a 2048 MiB cart");
    }

    private static long PeakRssBytes(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
