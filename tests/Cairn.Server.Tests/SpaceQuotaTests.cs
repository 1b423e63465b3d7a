using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>
/// The space quota (<c>Limits:QuotaBytes</c>) on a real server: past it, kv and blob writes alike are refused with 507,
/// <c>/readyz</c> says why and <c>/healthz</c> lists the alarm, while reads, deletes and compaction still work; once
/// they have freed space, writes are accepted again without a restart. (The full-disk case: <see cref="DiskFullTests"/>.)
/// </summary>
public sealed class SpaceQuotaTests(SpaceQuotaTests.QuotaFixture fixture) : IClassFixture<SpaceQuotaTests.QuotaFixture>
{
    public sealed class QuotaFixture : ServerFixture
    {
        public QuotaFixture()
        {
            Settings["Limits:QuotaBytes"] = (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task PastTheQuota_WritesGet507_ReadsDeletesAndCompactionWork_AndWritesResumeOnceSpaceIsFreed()
    {
        using var http = fixture.TcpHttp();
        var value = RandomNumberGenerator.GetBytes(64 * 1024);

        // Fill until refused. The quota is on the database; writes go to its log first, copied in at least every
        // quarter of the quota (and a look every second), so a 2 MiB quota of 64 KiB values (plus their history) trips
        // within a few dozen puts, or a few hundred on a machine too busy to look in time.
        var written = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2000 && refused is null; i++)
        {
            var put = await http.PutAsync($"/v1/kv/quota/{i:D4}", new ByteArrayContent(value));
            if (put.IsSuccessStatusCode)
            {
                written++;
            }
            else
            {
                refused = put;
            }
        }

        Assert.NotNull(refused);
        Assert.True(written > 0);
        var problem = await Problems.AssertAsync(refused, HttpStatusCode.InsufficientStorage, "insufficient_storage");
        Assert.Contains("Limits:QuotaBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Blobs meet the same alarm (their metadata is a write that adds data), and leave no file behind.
        var blob = await http.PutAsync("/v1/blobs/quota/blob", new ByteArrayContent(RandomNumberGenerator.GetBytes(64 * 1024)));
        await Problems.AssertAsync(blob, HttpStatusCode.InsufficientStorage, "insufficient_storage");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/blobs/quota/blob")).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir, "volumes"), "*.blob", SearchOption.AllDirectories));

        // Not ready, still healthy, with the alarm listed; reads served.
        var notReady = await Problems.AssertAsync(await http.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Contains("no-space-alarm", notReady.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["no-space-alarm"], notReady.GetProperty("checks").EnumerateArray().Select(c => c.GetString()));
        using (var health = JsonDocument.Parse(await http.GetStringAsync("/healthz")))
        {
            Assert.Equal("NOSPACE", health.RootElement.GetProperty("alarms")[0].GetProperty("name").GetString());
        }

        Assert.Equal(value, await http.GetByteArrayAsync("/v1/kv/quota/0000"));

        // Free space: delete everything written and compact the history away.
        var deleted = await http.DeleteAsync("/v1/kv/quota/?prefix=true");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var status = JsonDocument.Parse(await http.GetStringAsync("/v1/status"));
        var revision = status.RootElement.GetProperty("revision").GetInt64();
        var compacted = await http.PostAsync("/v1/compact", new StringContent($$"""{"revision":{{revision}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, compacted.StatusCode);

        // Ready again without a restart; writes accepted.
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "/readyz is ready after deleting and compacting");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/v1/kv/quota/after", new ByteArrayContent(value))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/v1/blobs/quota/after", new ByteArrayContent(value))).StatusCode);
        using var after = JsonDocument.Parse(await http.GetStringAsync("/v1/status"));
        Assert.Equal(0, after.RootElement.GetProperty("alarms").GetArrayLength());
    }
}
