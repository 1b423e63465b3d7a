using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests.Carts;

/// <summary>
/// Names that try to leave the cart — paths with extra leading slashes, <c>..</c>, absolute ones, NUL; a download name
/// with <c>..</c>; archive ids outside the archive; dot segments in the request path — are refused with 400 or
/// normalised to a name inside the cart's root: the tar never holds anything outside it, and nothing is written outside
/// the volume.
/// </summary>
public sealed class CartTraversalTests(CartsServerFixture fixture) : IClassFixture<CartsServerFixture>
{
    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("a/..")]
    [InlineData("a\u0000b")]
    [InlineData("a\\..\\x")]
    [InlineData("")]
    [InlineData("/")]
    public async Task APathThatCouldLeaveTheRoot_Is400_AndNothingIsStored(string path)
    {
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("trav");
        var body = JsonSerializer.Serialize(new { fileids = new[] { new { id = "foo.txt", path, hashtype = "md5", hashsum = Cartd.Md5("Writing content for first file") } } });
        using var response = await cartd.PostAsync("/" + uid, Cartd.Json(body));
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("message").GetString()));
        using var head = await cartd.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + uid));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task LeadingSlashes_AreAllDropped_SoEveryMemberIsUnderTheRoot()
    {
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("slash");
        var hash = Cartd.Md5("Writing content for first file");
        var body = JsonSerializer.Serialize(new
        {
            fileids = new[]
            {
                new { id = "foo.txt", path = "//etc/passwd", hashtype = "md5", hashsum = hash },
                new { id = "foo.txt", path = "/abs/./x", hashtype = "MD5", hashsum = hash.ToUpperInvariant() },
            },
        });
        await Cartd.PostAsync(cartd, uid, body);
        Assert.Equal("ready", (await Cartd.SettledAsync(cartd, uid)).Status);

        using var response = await cartd.GetAsync($"/{uid}?filename=root.tar");
        var members = await Cartd.MembersAsync(await response.Content.ReadAsStreamAsync());
        Assert.Equal(["root/", "root/abs/", "root/abs/x", "root/etc/", "root/etc/passwd"], members.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Writing content for first file", Cartd.Text(members["root/etc/passwd"]));
        AssertOnlyInVolume();
    }

    [Theory]
    [InlineData("../../x.tar")]
    [InlineData("a/b.tar")]
    [InlineData("..")]
    [InlineData(".tar")]
    [InlineData("a%00b")]
    public async Task ADownloadNameThatCouldLeaveTheRoot_Is400(string fileName)
    {
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("name");
        await Cartd.PostAsync(cartd, uid, Cartd.SeedCartJson());
        Assert.Equal("ready", (await Cartd.SettledAsync(cartd, uid)).Status);

        var escaped = fileName.Contains('%', StringComparison.Ordinal) ? fileName : Uri.EscapeDataString(fileName);
        await Problems.AssertAsync(await cartd.GetAsync($"/{uid}?filename={escaped}"), HttpStatusCode.BadRequest, "invalid_argument");
        using var http = fixture.TcpHttp();
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{uid}/tar?filename={escaped}"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task AnArchiveIdOutsideTheArchive_IsNeverRead()
    {
        var secret = Path.Combine(Path.GetDirectoryName(fixture.ArchiveDir)!, "cairn-secret-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(secret, "secret");
        try
        {
            using var cartd = fixture.CartdHttp();
            var uid = Cartd.NewUid("id");
            var body = JsonSerializer.Serialize(new { fileids = new[] { new { id = "../" + Path.GetFileName(secret), path = "s", hashtype = "md5", hashsum = Cartd.Md5("secret") } } });
            using var posted = await cartd.PostAsync("/" + uid, Cartd.Json(body));
            if (posted.StatusCode == HttpStatusCode.Created)
            {
                var (code, status, _) = await Cartd.SettledAsync(cartd, uid);
                Assert.Equal((HttpStatusCode.InternalServerError, "error"), (code, status));
            }
            else
            {
                await Problems.AssertAsync(posted, HttpStatusCode.BadRequest, "invalid_argument");
            }
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Theory]
    [InlineData("/compat/cartd/../v1/status")]
    [InlineData("/compat/cartd/a/..")]
    [InlineData("/v1/carts/../carts")]
    [InlineData("/v1/carts/%2E%2E")]
    [InlineData("/v1/carts/a%2Fb")]
    public async Task DotSegmentsAndEncodedSlashes_InTheRequestPath_Are400(string target)
    {
        using var http = fixture.TcpHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.TcpEndpoint + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        await Problems.AssertAsync(await http.SendAsync(request), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task DotSegments_AtTheRootOfTheCartdListener_Are400()
    {
        using var cartd = fixture.CartdHttp();
        foreach (var target in new[] { "/a/../b", "/..", "/./x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(fixture.CartdEndpoint + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
            using var response = await cartd.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target}: {(int)response.StatusCode}");
        }
    }

    // Every file the carts wrote is in the volume (named by cart id and index, never by a requested path).
    private void AssertOnlyInVolume()
    {
        foreach (var file in Directory.EnumerateFiles(fixture.VolumeDir, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(fixture.VolumeDir, file);
            Assert.Matches(@"^(volume\.id|[0-9a-f]{32}/(\d{6}\.(data|part)|bundle\.tar(\.part)?))$", relative);
        }

        Assert.False(File.Exists(Path.Combine(fixture.DataDir, "etc", "passwd")));
    }
}
