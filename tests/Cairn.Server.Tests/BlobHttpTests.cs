using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary><c>/v1/blobs</c> over TCP and the Unix socket: streaming round trips, ETag, conditional writes, ranges, TTL,
/// bad keys, corruption.</summary>
public sealed class BlobHttpTests(VolumeServerFixture fixture) : IClassFixture<VolumeServerFixture>
{
    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private HttpClient Http(string transport) => transport == "unix" ? fixture.UnixHttp() : fixture.TcpHttp();

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task PutGetHeadDelete_RoundTrip(string transport)
    {
        using var http = Http(transport);
        var body = Bytes(2_500_000, 1);
        var key = $"rt-{transport}/big.bin";
        var put = await http.PutAsync("/v1/blobs/" + key, new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var etag = put.Headers.ETag!.Tag;
        Assert.Equal("\"" + Convert.ToHexStringLower(SHA256.HashData(body)) + "\"", etag);

        using var get = await http.GetAsync("/v1/blobs/" + key);
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, get.Headers.ETag!.Tag);
        Assert.Equal("bytes", get.Headers.AcceptRanges.Single());

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/blobs/" + key));
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);

        var conditional = new HttpRequestMessage(HttpMethod.Get, "/v1/blobs/" + key);
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(conditional)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("/v1/blobs/" + key, new ByteArrayContent(Bytes(10, 2)))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/v1/blobs/" + key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/v1/blobs/" + key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/blobs/" + key)).StatusCode);
    }

    [Fact]
    public async Task IfNoneMatchStar_OnAnExistingKey_Is412_AndKeepsTheBytes()
    {
        using var http = fixture.TcpHttp();
        var original = Bytes(50_000, 3);
        await http.PutAsync("/v1/blobs/inm/x", new ByteArrayContent(original));
        var again = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/inm/x") { Content = new ByteArrayContent(Bytes(50_000, 4)) };
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);

        var response = await http.SendAsync(again);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal(original, await http.GetByteArrayAsync("/v1/blobs/inm/x"));
    }

    [Fact]
    public async Task IfMatch_IsCompareAndSet()
    {
        using var http = fixture.TcpHttp();
        var first = await http.PutAsync("/v1/blobs/cas/x", new ByteArrayContent(Bytes(100, 1)));
        var stale = first.Headers.ETag!.Tag;
        var ok = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/cas/x") { Content = new ByteArrayContent(Bytes(100, 2)) };
        ok.Headers.IfMatch.Add(new EntityTagHeaderValue(stale));
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ok)).StatusCode);

        var late = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/cas/x") { Content = new ByteArrayContent(Bytes(100, 3)) };
        late.Headers.IfMatch.Add(new EntityTagHeaderValue(stale));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await http.SendAsync(late)).StatusCode);
        Assert.Equal(Bytes(100, 2), await http.GetByteArrayAsync("/v1/blobs/cas/x"));
    }

    [Fact]
    public async Task Ranges_Partial_Suffix_AndUnsatisfiable()
    {
        using var http = fixture.TcpHttp();
        var body = Bytes(3 * 1024 * 1024, 5);
        await http.PutAsync("/v1/blobs/range/x", new ByteArrayContent(body));

        async Task<HttpResponseMessage> RangeAsync(long? from, long? to)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/blobs/range/x");
            request.Headers.Range = new RangeHeaderValue(from, to);
            return await http.SendAsync(request);
        }

        using var middle = await RangeAsync(1024 * 1024 - 10, 1024 * 1024 + 9);
        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal(body.AsSpan(1024 * 1024 - 10, 20).ToArray(), await middle.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes {1024 * 1024 - 10}-{1024 * 1024 + 9}/{body.Length}", middle.Content.Headers.ContentRange!.ToString());

        using var suffix = await RangeAsync(null, 100);
        Assert.Equal(body.AsSpan(body.Length - 100).ToArray(), await suffix.Content.ReadAsByteArrayAsync());

        using var open = await RangeAsync(body.Length - 5, null);
        Assert.Equal(body.AsSpan(body.Length - 5).ToArray(), await open.Content.ReadAsByteArrayAsync());

        using var outside = await RangeAsync(body.Length, body.Length + 10);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        Assert.Equal($"bytes */{body.Length}", outside.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Ttl_SetsTheExpiry()
    {
        using var http = fixture.TcpHttp();
        var put = JsonDocument.Parse(await (await http.PutAsync("/v1/blobs/ttl/x?ttl=3600", new ByteArrayContent(Bytes(10, 1)))).Content.ReadAsStringAsync()).RootElement;
        var expires = put.GetProperty("expires").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("/v1/blobs/ttl/y?ttl=0", new ByteArrayContent(Bytes(10, 1)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("/v1/blobs/ttl/y?ttl=later", new ByteArrayContent(Bytes(10, 1)))).StatusCode);

        var inTwoDays = JsonDocument.Parse(await (await http.PutAsync("/v1/blobs/ttl/z?ttl=2d", new ByteArrayContent(Bytes(10, 1)))).Content.ReadAsStringAsync()).RootElement;
        Assert.InRange(inTwoDays.GetProperty("expires").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromHours(47), TimeSpan.FromHours(49));
    }

    [Theory]
    [InlineData("/v1/blobs/../v1/blobs/x")]
    [InlineData("/v1/blobs/a/%2e%2e/x")]
    [InlineData("/v1/blobs/a//x")]
    [InlineData("/v1/blobs/a/%00")]
    [InlineData("/v1/blobs/a/%FF")]
    public async Task BadKeys_Are400_AndNothingIsStored(string path)
    {
        var (status, _, body) = await RawHttp.SendAsync(fixture.TcpEndpoint, $"PUT {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", "hello"u8.ToArray());

        Assert.Equal(400, status);
        if (!path.Contains("%00", StringComparison.Ordinal))
        {
            // (A NUL in the target is refused by the HTTP server itself, before Cairn sees the request.)
            Assert.Contains("invalid_argument", body);
        }

        using var http = fixture.TcpHttp();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/blobs/x")).StatusCode);
    }

    [Fact]
    public async Task ACorruptFile_Is500Corrupt_NotWrongBytes()
    {
        using var http = fixture.TcpHttp();
        var put = JsonDocument.Parse(await (await http.PutAsync("/v1/blobs/corrupt/x", new ByteArrayContent(Bytes(100_000, 9)))).Content.ReadAsStringAsync()).RootElement;
        var volume = fixture.Server.Services.GetRequiredService<Cairn.Volumes.BlobStore>()!.LocalVolumes[put.GetProperty("volume").GetString()!];
        var path = Volumes.VolumeLayout.BlobPath(volume, Directory.EnumerateFiles(Path.Combine(volume, "blobs"), "*.blob", SearchOption.AllDirectories)
            .Select(f => Path.GetFileNameWithoutExtension(f)).Single(id => File.ReadAllText(Volumes.VolumeLayout.BlobPath(volume, id)).Contains("corrupt/x", StringComparison.Ordinal)));
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[10] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);

        var response = await http.GetAsync("/v1/blobs/corrupt/x");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("corrupt", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }
}
