using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>A server with small keyspace limits: what its modules write meets them too (the limits wrap the store,
/// not only the /v1/kv endpoints), with the same errors on every backend, and nothing is left behind.</summary>
public sealed class ModuleLimitsTests(ModuleLimitsTests.SmallLimitsFixture fixture) : IClassFixture<ModuleLimitsTests.SmallLimitsFixture>
{
    public sealed class SmallLimitsFixture : ServerFixture
    {
        public SmallLimitsFixture()
        {
            Settings["Limits:MaxKeyBytes"] = "100";
            Settings["Limits:MaxValueBytes"] = "2048";
        }
    }

    [Fact]
    public async Task ABlobWhoseMetadataKeyIsOverTheKeyLimit_IsRefused_AndNotStored()
    {
        using var http = fixture.TcpHttp();
        var key = "limits/" + new string('k', 90);

        var put = await http.PutAsync("/v1/blobs/" + key, new ByteArrayContent(RandomNumberGenerator.GetBytes(64 * 1024)));

        await Problems.AssertAsync(put, HttpStatusCode.BadRequest, "key_too_large");
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir, "volumes"), "*.blob", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AJournalStepOverTheValueLimit_IsRefusedAsTooLarge_AndNotSpooled()
    {
        using var http = fixture.TcpHttp();
        var txid = "limits-" + Guid.NewGuid().ToString("N");
        var message = "{\"noise\":\"" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(6 * 1024)) + "\"}";
        using var content = new StringContent(message, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

        var append = await http.PostAsync($"/v1/journal/{txid}/begin", content);

        await Problems.AssertAsync(append, HttpStatusCode.RequestEntityTooLarge, "too_large");
        await Problems.AssertAsync(await http.GetAsync($"/v1/journal/{txid}"), HttpStatusCode.NotFound, "not_found");
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir, "journal-secondary")));
    }
}
