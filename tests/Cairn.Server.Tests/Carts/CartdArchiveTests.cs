using System.Net;
using System.Text.Json;
using Cairn.Testing.Archive;

namespace Cairn.Server.Tests.Carts;

/// <summary>
/// The carts server staging from a Pacifica archive interface. The real one is a Python service that cannot be installed
/// here, so <see cref="PacificaArchiveServer"/> stands in for it: the same protocol (stage <c>POST</c>, status
/// <c>HEAD</c> with its <c>X-Pacifica-*</c> headers, <c>GET</c> with <c>byte_range</c>), with controls for tape and
/// failures. Started before the server, which it is the default archive of.
/// </summary>
public sealed class CartsPacificaFixture : CartsServerFixture, IAsyncLifetime
{
    public PacificaArchiveServer Archive { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Archive = await PacificaArchiveServer.StartAsync();
        foreach (var (name, content) in Cartd.SeedFiles)
        {
            Archive.Put(name, System.Text.Encoding.UTF8.GetBytes(content));
        }

        Settings["Carts:Archive"] = "pacifica";
        Settings["Carts:ArchiveUrl"] = Archive.BaseUrl.ToString();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Archive.DisposeAsync();
        DeleteArchiveDir();
    }
}

/// <summary>The seed's cases that need an archive with tape: not ready (202), on tape for a few polls then on disk,
/// on tape for ever, a status call that fails without its headers, and a file that can never fit.</summary>
public sealed class CartdArchiveTests(CartsPacificaFixture fixture) : IClassFixture<CartsPacificaFixture>
{
    private static string OneFile(string id, string content) =>
        JsonSerializer.Serialize(new { fileids = new[] { new { id, path = "1/2/3/" + id, hashtype = "md5", hashsum = Cartd.Md5(content) } } });

    [Fact]
    public async Task TheSeedsCart_FromThePacificaArchive_IsReady()
    {
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("38");
        await Cartd.PostAsync(cartd, uid, Cartd.SeedCartJson());
        Assert.Equal((HttpStatusCode.NoContent, "ready", ""), await Cartd.SettledAsync(cartd, uid));
        using var response = await cartd.GetAsync($"/{uid}?filename=38");
        var members = await Cartd.MembersAsync(await response.Content.ReadAsStreamAsync());
        Assert.Equal("Writing content for first file", Cartd.Text(members["38/1/2/3/foo.txt"]));
    }

    [Fact]
    public async Task AFileOnTapeForThreePolls_ThenOnDisk_IsReady_WithFewStatusCalls()
    {
        var id = "tape-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Archive.Put(id, "from tape"u8.ToArray());
        fixture.Archive.SetTape(id, 3);
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("tape");
        await Cartd.PostAsync(cartd, uid, OneFile(id, "from tape"));

        Assert.Equal("ready", (await Cartd.SettledAsync(cartd, uid)).Status);
        Assert.InRange(fixture.Archive.StatusCalls(id), 4, 10);
        using var response = await cartd.GetAsync($"/{uid}?filename=t");
        Assert.Equal("from tape", Cartd.Text((await Cartd.MembersAsync(await response.Content.ReadAsStreamAsync()))["t/1/2/3/" + id]));
    }

    [Fact]
    public async Task AFileOnTapeForEver_FailsAfterTheStageTimeout_AndIsNotReadyUntilThen()
    {
        var id = "vault-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Archive.Put(id, "never"u8.ToArray());
        fixture.Archive.SetTape(id, int.MaxValue);
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("vault");
        await Cartd.PostAsync(cartd, uid, OneFile(id, "never"));

        // While it waits for the tape: the seed's 202, and a status that says so.
        using (var notReady = await cartd.GetAsync("/" + uid))
        {
            Assert.Equal(HttpStatusCode.Accepted, notReady.StatusCode);
            Assert.Equal("The cart is not ready for download.", await notReady.Content.ReadAsStringAsync());
        }

        using (var head = await cartd.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + uid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, head.StatusCode);
            Assert.Contains(head.Headers.GetValues("X-Pacifica-Status").Single(), new[] { "waiting", "staging" });
        }

        var (code, status, message) = await Cartd.SettledAsync(cartd, uid);
        Assert.Equal((HttpStatusCode.InternalServerError, "error"), (code, status));
        Assert.StartsWith("Failed to pull file(", message, StringComparison.Ordinal);

        // Polled with backoff (50 ms doubling to 200 ms over the 3 s timeout), not in a hot loop.
        Assert.InRange(fixture.Archive.StatusCalls(id), 2, 40);
    }

    [Fact]
    public async Task AStatusCallThatFailsWithoutItsHeaders_FailsTheCart_RatherThanLeavingItStaging()
    {
        var id = "broken-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Archive.Put(id, "x"u8.ToArray());
        fixture.Archive.FailStatus(id, int.MaxValue);
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("broken");
        await Cartd.PostAsync(cartd, uid, OneFile(id, "x"));

        var (code, status, message) = await Cartd.SettledAsync(cartd, uid);
        Assert.Equal((HttpStatusCode.InternalServerError, "error"), (code, status));
        Assert.StartsWith("Failed to pull file(", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingFile_FailsTheCart()
    {
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("missing");
        await Cartd.PostAsync(cartd, uid, OneFile("no-such-" + Guid.NewGuid().ToString("N")[..8], "x"));
        var (code, status, _) = await Cartd.SettledAsync(cartd, uid);
        Assert.Equal((HttpStatusCode.InternalServerError, "error"), (code, status));
    }

    // The seed's own case: the archive reports 10^22 bytes (X-Content-Length 10000000000000000000000), past any disk
    // and past a long.
    [Fact]
    public async Task AFileThatCanNeverFit_FailsWithTheSeedsMessage()
    {
        var id = "huge-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Archive.Put(id, "tiny"u8.ToArray());
        fixture.Archive.ReportSize(id, "10000000000000000000000");
        using var cartd = fixture.CartdHttp();
        var uid = Cartd.NewUid("huge");
        await Cartd.PostAsync(cartd, uid, JsonSerializer.Serialize(new { fileids = new[] { new { id, path = "huge", hashtype = "md5", hashsum = "00000000000000000000000000000000" } } }));

        var (code, status, message) = await Cartd.SettledAsync(cartd, uid);
        Assert.Equal((HttpStatusCode.InternalServerError, "error"), (code, status));
        Assert.Equal("Failed to pull file(Not enough space to download file)", message);
        Assert.Equal(0, fixture.Archive.BytesServed(id));
    }
}
