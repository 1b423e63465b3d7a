using System.Net;
using System.Text.Json;
using Cairn.Server.Modules.Carts;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Carts;

/// <summary>A server whose cart volume is 40 MB (its free space measured as that minus what the volume holds): room for
/// two carts of one 16 MB file. The files are large so that a download held open cannot have been sent whole into the
/// sockets' buffers (the server would then have finished it).</summary>
public sealed class CartsLruFixture : CartsServerFixture
{
    public const long Capacity = 40_000_000;

    public const int FileSize = 16_000_000;

    public CartsLruFixture()
    {
        for (var i = 0; i < 4; i++)
        {
            File.WriteAllBytes(System.IO.Path.Combine(ArchiveDir, $"big{i}"), Content(i));
        }
    }

    public static byte[] Content(int i) => [.. Enumerable.Range(0, FileSize).Select(b => (byte)(b * (i + 7)))];

    public void GiveTheVolumeItsSize() =>
        Server.Services.GetRequiredService<LocalCarts>().FreeSpaceProbe = () => Capacity - Directory.EnumerateFiles(VolumeDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}

/// <summary>The LRU purge when the volume is short: the least recently used ready cart goes, never one being downloaded;
/// and a cart that can never fit fails with the seed's message.</summary>
public sealed class CartLruTests(CartsLruFixture fixture) : IClassFixture<CartsLruFixture>
{
    [Fact]
    public async Task AShortVolume_PurgesTheLeastRecentlyUsedCart_ButNeverOneBeingDownloaded()
    {
        fixture.GiveTheVolumeItsSize();
        using var http = fixture.TcpHttp();
        var downloaded = await ReadyCartAsync(http, 0);

        // Downloaded (a use), and held open: it stays the least recently used, but in use.
        var held = await http.GetAsync($"/v1/carts/{downloaded}/tar?filename=held", HttpCompletionOption.ResponseHeadersRead);
        var heldBody = await held.Content.ReadAsStreamAsync();
        var first = new byte[100];
        await heldBody.ReadExactlyAsync(first);

        var newer = await ReadyCartAsync(http, 1);
        var third = await ReadyCartAsync(http, 2);

        // The volume had room for two: the newer one went, the one being downloaded stayed.
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{newer}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/carts/{downloaded}")).StatusCode);
        using (held)
        {
            using var rest = new MemoryStream();
            rest.Write(first);
            await heldBody.CopyToAsync(rest);
            rest.Position = 0;
            var members = await Cartd.MembersAsync(rest);
            Assert.Equal(CartsLruFixture.Content(0), members["held/f"]);
        }

        // Once that download is over, it is the least recently used: the next cart purges it.
        var fourth = await ReadyCartAsync(http, 3);
        await Problems.AssertAsync(await http.GetAsync($"/v1/carts/{downloaded}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/carts/{third}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/carts/{fourth}")).StatusCode);
    }

    private static async Task<string> ReadyCartAsync(HttpClient http, int file)
    {
        var uid = Cartd.NewUid("lru");
        var body = JsonSerializer.Serialize(new { fileIds = new[] { new { id = $"big{file}", path = "f" } } });
        await Cartd.JsonAsync(await http.PostAsync($"/v1/carts/{uid}", Cartd.Json(body)), HttpStatusCode.Created);
        string? state = null;
        await Eventually.UntilAsync(async () => (state = (await Cartd.JsonAsync(await http.GetAsync($"/v1/carts/{uid}"), HttpStatusCode.OK)).GetProperty("state").GetString()) is "ready" or "error", Cartd.Deadline, $"cart {uid} settles");
        Assert.Equal("ready", state);
        return uid;
    }
}
