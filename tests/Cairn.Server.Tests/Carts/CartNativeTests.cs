using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cairn.Server.Tests.Carts;

/// <summary><c>/v1/carts</c>: post, read, list, follow as SSE to <c>ready</c>, download with Range/If-Range/ETag,
/// delete, fix, purge; and a cart of blob keys from the archive <c>blobs</c>.</summary>
public sealed class CartNativeTests(CartsServerFixture fixture) : IClassFixture<CartsServerFixture>
{
    private static string SeedCart(string? archive = null, bool hashes = true) => JsonSerializer.Serialize(new
    {
        fileIds = Cartd.SeedFiles.Select((f, i) => new { id = f.Name, path = $"d{i}/{f.Name}", hashType = hashes ? "sha256" : null, hashSum = hashes ? Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(f.Content))) : null }),
        archive,
    });

    [Fact]
    public async Task ACart_PostedFollowedAndDownloaded_EndsReady_WithEveryStatusOnTheWay()
    {
        using var http = fixture.TcpHttp();
        var uid = Cartd.NewUid();
        using var posted = await http.PostAsync($"/v1/carts/{uid}", Cartd.Json(SeedCart()));
        var cart = await Cartd.JsonAsync(posted, HttpStatusCode.Created);
        Assert.Equal($"/v1/carts/{uid}", posted.Headers.Location?.OriginalString);
        Assert.Equal(3, cart.GetProperty("fileCount").GetInt32());

        using var stream = await SseStream.OpenAsync(http, $"/v1/carts/{uid}/events?fromRevision={cart.GetProperty("modRevision").GetInt64()}");
        var states = new List<string>();
        while (states.LastOrDefault() is not ("ready" or "error"))
        {
            var next = await stream.NextAsync();
            if (next.Type == "cart")
            {
                states.Add(next.Data.GetProperty("cart").GetProperty("state").GetString()!);
            }
        }

        Assert.Equal("ready", states[^1]);
        Assert.Contains("bundling", states);
        var read = await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK);
        Assert.All(read.GetProperty("files").EnumerateArray(), f => Assert.Equal("staged", f.GetProperty("state").GetString()));
        Assert.Equal(read.GetProperty("totalBytes").GetInt64(), read.GetProperty("bytesDone").GetInt64());

        using var tar = await http.GetAsync($"/v1/carts/{uid}/tar?filename=t.tar");
        Assert.Equal(HttpStatusCode.OK, tar.StatusCode);
        var whole = await tar.Content.ReadAsByteArrayAsync();
        using (var defaultName = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/carts/{uid}/tar")))
        {
            Assert.Equal(read.GetProperty("tarBytes").GetInt64(), defaultName.Content.Headers.ContentLength);
        }

        var members = await Cartd.MembersAsync(new MemoryStream(whole));
        Assert.Equal("Writing content for first file", Cartd.Text(members["t/d0/foo.txt"]));

        // A resumed download: the rest of the same bytes, when the ETag still matches; all of them when it does not.
        var etag = tar.Headers.ETag!;
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/carts/{uid}/tar?filename=t.tar");
        resume.Headers.Range = new RangeHeaderValue(1000, null);
        resume.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using var rest = await http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(whole[1000..], await rest.Content.ReadAsByteArrayAsync());
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/v1/carts/{uid}/tar?filename=t.tar");
        stale.Headers.Range = new RangeHeaderValue(1000, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"other\""));
        using var all = await http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(whole.Length, (await all.Content.ReadAsByteArrayAsync()).Length);

        using var cached = new HttpRequestMessage(HttpMethod.Get, $"/v1/carts/{uid}/tar?filename=t.tar");
        cached.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(cached)).StatusCode);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/carts/{uid}/tar?filename=t.tar"));
        Assert.Equal(whole.Length, head.Content.Headers.ContentLength);

        // Listed, then deleted: its stream ends with the deletion.
        var page = await Cartd.JsonAsync(await http.GetAsync($"/v1/carts?state=ready&limit=1000"), HttpStatusCode.OK);
        Assert.Contains(uid, page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("uid").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/carts/{uid}")).StatusCode);
        Assert.Equal("deleted", (await Coordination.Coord.NextOfTypeAsync(stream, "deleted")).Type);
        await Problems.AssertAsync(await http.DeleteAsync($"/v1/carts/{uid}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{uid}/tar"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AFailedCart_Is409ForDownload_AndFixPutsItBackToWork()
    {
        using var http = fixture.TcpHttp();
        var uid = Cartd.NewUid("fix");
        var name = "late-" + Guid.NewGuid().ToString("N")[..8];
        var body = JsonSerializer.Serialize(new { fileIds = new[] { new { id = name, path = "late.txt", hashType = "md5", hashSum = Cartd.Md5("late") } } });
        await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{uid}", Cartd.Json(body)), HttpStatusCode.Created);
        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK)).GetProperty("state").GetString() == "error", Cartd.Deadline, "the cart fails");

        var problem = await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{uid}/tar"), HttpStatusCode.Conflict, "conflict");
        Assert.Equal("error", problem.GetProperty("state").GetString());

        fixture.AddArchiveFile(name, "late");
        var fixedCart = await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{uid}/fix", null), HttpStatusCode.OK);
        Assert.NotEqual("error", fixedCart.GetProperty("state").GetString());
        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK)).GetProperty("state").GetString() == "ready", Cartd.Deadline, "the fixed cart gets ready");
    }

    [Fact]
    public async Task Purge_DeletesSettledCartsOlderThanAsked()
    {
        using var http = fixture.TcpHttp();
        var uid = Cartd.NewUid("purge");
        await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{uid}", Cartd.Json(SeedCart(hashes: false))), HttpStatusCode.Created);
        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK)).GetProperty("state").GetString() == "ready", Cartd.Deadline, "the cart gets ready");

        var kept = await Cartd.JsonAsync(await http.PostAsJsonAsync("/v1/admin/carts/purge", new { olderThan = "180d" }), HttpStatusCode.OK);
        Assert.DoesNotContain(uid, kept.GetProperty("deleted").EnumerateArray().Select(u => u.GetString()));
        var dry = await Cartd.JsonAsync(await http.PostAsJsonAsync("/v1/admin/carts/purge", new { olderThan = "0s", dryRun = true }), HttpStatusCode.OK);
        Assert.Contains(uid, dry.GetProperty("deleted").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/carts/{uid}")).StatusCode);
        await Problems.AssertAsync(await http.PostAsJsonAsync("/v1/admin/carts/purge", new { olderThan = "soon" }), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task ACartOfBlobKeys_IsStagedFromTheBlobs()
    {
        using var http = fixture.TcpHttp();
        var prefix = "cart-blobs/" + Guid.NewGuid().ToString("N")[..8];
        var big = new byte[300_000];
        Random.Shared.NextBytes(big);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/v1/blobs/{prefix}/small", new StringContent("small blob"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/v1/blobs/{prefix}/big", new ByteArrayContent(big))).StatusCode);

        var uid = Cartd.NewUid("blobs");
        var body = JsonSerializer.Serialize(new { archive = "blobs", fileIds = new[] { new { id = $"{prefix}/small", path = "s.txt" }, new { id = $"{prefix}/big", path = "b/big.bin" } } });
        await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{uid}", Cartd.Json(body)), HttpStatusCode.Created);
        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK)).GetProperty("state").GetString() is "ready" or "error", Cartd.Deadline, "the cart settles");

        using var tar = await http.GetAsync($"/v1/carts/{uid}/tar?filename=blobs");
        Assert.Equal(HttpStatusCode.OK, tar.StatusCode);
        var members = await Cartd.MembersAsync(await tar.Content.ReadAsStreamAsync());
        Assert.Equal("small blob", Cartd.Text(members["blobs/s.txt"]));
        Assert.Equal(big, members["blobs/b/big.bin"]);

        // A missing key fails its cart as a missing file does.
        var missing = Cartd.NewUid("blobs");
        await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{missing}", Cartd.Json(JsonSerializer.Serialize(new { archive = "blobs", fileIds = new[] { new { id = $"{prefix}/none", path = "n" } } }))), HttpStatusCode.Created);
        await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{missing}"), HttpStatusCode.OK)).GetProperty("state").GetString() == "error", Cartd.Deadline, "the cart of a missing key fails");
    }

    [Fact]
    public async Task BadRequests_AreProblems()
    {
        using var http = fixture.TcpHttp();
        await Problems.AssertAsync(await http.PostAsync("/v1/carts/a%20b", Cartd.Json(SeedCart())), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.PostAsync($"/v1/carts/{Cartd.NewUid()}", Cartd.Json("""{"fileIds": []}""")), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.PostAsync($"/v1/carts/{Cartd.NewUid()}", Cartd.Json(SeedCart(archive: "nope"))), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/carts?limit=0"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync("/v1/carts?state=lost"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{Cartd.NewUid()}"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{Cartd.NewUid()}/events"), HttpStatusCode.NotFound, "not_found");
        await Problems.AssertAsync(await http.GetAsync($"/v1/internal/carts/{Cartd.NewUid()}/tar?cartId=x"), HttpStatusCode.NotFound, "not_found");
    }
}
