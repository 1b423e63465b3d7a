using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

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
        var before = BlobFiles();

        var put = await http.PutAsync("/v1/blobs/" + key, new ByteArrayContent(RandomNumberGenerator.GetBytes(64 * 1024)));

        await Problems.AssertAsync(put, HttpStatusCode.BadRequest, "key_too_large");
        Assert.Equal(before, BlobFiles());
    }

    [Fact]
    public async Task AJournalStepOverTheValueLimit_GoesToVolumes_AndNoJournalKeyIsOverTheLimit()
    {
        using var http = fixture.TcpHttp();
        var txid = "limits-" + Guid.NewGuid().ToString("N");
        var message = "{\"noise\":\"" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(6 * 1024)) + "\"}";
        using var content = new StringContent(message, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

        var append = await http.PostAsync($"/v1/journal/{txid}/commit", content);

        Assert.Equal(HttpStatusCode.Created, append.StatusCode);
        var status = await http.GetStringAsync($"/compat/journal/status/{txid}");
        Assert.Equal("{\"status\": " + message + "}", status);
        var keyspace = fixture.Server.Services.GetRequiredService<Cairn.Core.IKeyspace>();
        var journal = await keyspace.RangeAsync(new Cairn.Core.RangeRequest(Cairn.Core.KeyRange.Prefix("/cairn/journal/")));
        Assert.All(journal.Kvs, kv => Assert.True(kv.Value.Length <= 2048, $"{kv.Key} holds {kv.Value.Length} bytes."));
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir, "journal-secondary")));
    }

    // The volume files (a journal test of this class may have left its own).
    private string[] BlobFiles() =>
        [.. Directory.GetFiles(Path.Combine(fixture.DataDir, "volumes"), "*.blob", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
