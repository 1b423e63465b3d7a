using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Testing.Archive;

namespace Cairn.Server.Tests.Carts;

/// <summary>
/// Two <c>cairn serve</c> processes on one etcd, staging from a throttled Pacifica archive: the node staging a cart is
/// killed (SIGKILL) mid-transfer, the other takes the cart over once the dead node's claim expires (a 2 s TTL) and
/// finishes it, and the tar is right; then a download through a node that does not keep the cart is proxied to the one
/// that does (over its Unix socket) and gives the same bytes.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class CartClusterTests(EtcdBackend etcd) : IDisposable
{
    private const int FileSize = 24 << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-cart-cluster-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ANodeKilledMidStaging_LosesTheCartToTheOther_WhichFinishesIt_AndServesItThroughTheFirst()
    {
        await etcd.EmptyAsync();
        await using var archive = await PacificaArchiveServer.StartAsync();
        var content = new byte[FileSize];
        new Random(7).NextBytes(content);
        archive.Put("big", content);
        archive.Throttle(4 << 20);

        var environment = new Dictionary<string, string>
        {
            ["CAIRN_DURABILITY"] = "None",
            ["CAIRN_BACKEND"] = "etcd",
            ["CAIRN_ETCD__ENDPOINTS"] = etcd.Endpoint,
            ["CAIRN_JOBS__ENABLED"] = "false",
            ["CAIRN_CARTS__ARCHIVEURL"] = archive.BaseUrl.ToString(),
            ["CAIRN_CARTS__CLAIMTTL"] = "10s", // the default: a shorter lease can lapse on a loaded machine, and a node whose lease lapsed loses its carts by design
            ["CAIRN_CARTS__PROGRESSINTERVAL"] = "100ms",
            ["CAIRN_CARTS__RETRYINITIAL"] = "100ms",
            ["CAIRN_CARTS__MINFREEBYTES"] = "0",
        };
        var firstDir = Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName;
        var first = await ServerProcess.StartAsync(firstDir, TimeSpan.FromSeconds(60), environment);
        ServerProcess? second = null;
        ServerProcess? restarted = null;
        try
        {
            using (var http = ServerFixture.UnixHttpClient(first.SocketPath))
            {
                var body = JsonSerializer.Serialize(new { fileIds = new[] { new { id = "big", path = "d/big.bin", hashType = "sha256", hashSum = Convert.ToHexStringLower(SHA256.HashData(content)) } } });
                Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/v1/carts/moving", Cartd.Json(body))).StatusCode);

                // The first node is copying it (some bytes done, far from all at 4 MB/s).
                await Eventually.UntilAsync(async () => (await Cartd.JsonAsync(await http.GetAsync("/v1/carts/moving"), HttpStatusCode.OK)).GetProperty("bytesDone").GetInt64() > 0, Cartd.Deadline, "the first node copies");
            }

            second = await ServerProcess.StartAsync(Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName, TimeSpan.FromSeconds(60), environment);
            first.KillHard();
            archive.Throttle(0);

            using var other = ServerFixture.UnixHttpClient(second.SocketPath);
            JsonElement cart = default;
            await Eventually.UntilAsync(async () => (cart = await Cartd.JsonAsync(await other.GetAsync("/v1/carts/moving"), HttpStatusCode.OK)).GetProperty("state").GetString() is "ready" or "error", Cartd.Deadline, "the second node finishes the cart");
            Assert.True(cart.GetProperty("state").GetString() == "ready", cart + second.Output);
            Assert.NotNull(cart.GetProperty("node").GetString());

            var direct = await TarAsync(other);
            Assert.Equal(content, direct["moving/d/big.bin"]);

            // The first node back (its own volume, not the cart's): its download is the second node's, proxied.
            restarted = await ServerProcess.StartAsync(firstDir, TimeSpan.FromSeconds(60), environment);
            using var through = ServerFixture.UnixHttpClient(restarted.SocketPath);
            var proxied = await TarAsync(through);
            Assert.Equal(content, proxied["moving/d/big.bin"]);

            // That node down: the first cannot serve it (503), and says so.
            second.KillHard();
            await Eventually.UntilAsync(async () => (await through.GetAsync("/v1/carts/moving/tar")).StatusCode == HttpStatusCode.ServiceUnavailable, Cartd.Deadline, "the download is 503 once the node keeping the cart is gone");
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
            restarted?.Dispose();
        }
    }

    // A 503 says the node keeping the cart did not answer in time and to retry (on a loaded machine a just-restarted
    // node's first call to another can take that long): retried until the deadline, its problem shown if it stays.
    private static async Task<Dictionary<string, byte[]?>> TarAsync(HttpClient http)
    {
        HttpResponseMessage? response = null;
        var problem = "";
        var served = Eventually.UntilAsync(
            async () =>
            {
                response?.Dispose();
                response = await http.GetAsync("/v1/carts/moving/tar?filename=moving.tar", HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    return true;
                }

                problem = await response.Content.ReadAsStringAsync();
                return false;
            },
            Cartd.Deadline,
            "the download is served");
        try
        {
            await served;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} The last 503: {problem}", ex);
        }

        using (response)
        {
            Assert.True(response!.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()} (last 503: {problem})");
            Assert.NotNull(response.Content.Headers.ContentLength);
            return await Cartd.MembersAsync(await response.Content.ReadAsStreamAsync());
        }
    }
}
