using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary><c>/v1/leases</c> and keys attached to leases with <c>PUT ?lease=</c> / <c>?ttl=</c>.</summary>
public sealed class LeaseHttpTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.TcpHttp();

    private async Task<JsonElement> GrantAsync(object body)
    {
        var response = await _http.PostAsJsonAsync("/v1/leases", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"grant: {(int)response.StatusCode} {text}");
        Assert.Equal("/v1/leases/" + JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt64(), response.Headers.Location?.OriginalString);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Lease_GrantAttachListKeepAliveRevoke()
    {
        var lease = await GrantAsync(new { ttl = 30 });
        var id = lease.GetProperty("id").GetInt64();
        Assert.True(id > 0);
        Assert.Equal(30, lease.GetProperty("ttl").GetInt64());
        Assert.Equal(30, lease.GetProperty("remaining").GetInt64());
        Assert.True(lease.GetProperty("revision").GetInt64() > 0);

        var put = await _http.PutAsync($"/v1/kv/lease/life/k?lease={id}", new StringContent("v"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(id, (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lease").GetInt64());
        var get = await _http.GetAsync("/v1/kv/lease/life/k");
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), get.Headers.GetValues("Cairn-Lease").Single());

        var info = await _http.GetFromJsonAsync<JsonElement>($"/v1/leases/{id}?keys=true");
        Assert.Equal(["lease/life/k"], info.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.InRange(info.GetProperty("remaining").GetInt64(), 1, 30);
        var withoutKeys = await _http.GetFromJsonAsync<JsonElement>($"/v1/leases/{id}");
        Assert.False(withoutKeys.TryGetProperty("keys", out _));

        var list = await _http.GetFromJsonAsync<JsonElement>("/v1/leases");
        Assert.Contains(list.GetProperty("leases").EnumerateArray(), l => l.GetProperty("id").GetInt64() == id);

        var keepAlive = await _http.PostAsync($"/v1/leases/{id}/keepalive", null);
        Assert.Equal(HttpStatusCode.OK, keepAlive.StatusCode);
        var renewed = await keepAlive.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, renewed.GetProperty("id").GetInt64());
        Assert.Equal(30, renewed.GetProperty("remaining").GetInt64());

        var revoke = await _http.DeleteAsync($"/v1/leases/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(id, (await revoke.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/lease/life/k"), HttpStatusCode.NotFound, "key_not_found");
        await Problems.AssertAsync(await _http.GetAsync($"/v1/leases/{id}"), HttpStatusCode.NotFound, "lease_not_found");
        await Problems.AssertAsync(await _http.PostAsync($"/v1/leases/{id}/keepalive", null), HttpStatusCode.NotFound, "lease_not_found");
        await Problems.AssertAsync(await _http.DeleteAsync($"/v1/leases/{id}"), HttpStatusCode.NotFound, "lease_not_found");
        var after = await _http.GetFromJsonAsync<JsonElement>("/v1/leases");
        Assert.DoesNotContain(after.GetProperty("leases").EnumerateArray(), l => l.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task Grant_WithAChosenId_UsesIt_AndTheSameIdTwiceIs400()
    {
        var id = Random.Shared.NextInt64(1_000_000, 2_000_000);
        var lease = await GrantAsync(new { ttl = 10, id });
        Assert.Equal(id, lease.GetProperty("id").GetInt64());

        await Problems.AssertAsync(await _http.PostAsJsonAsync("/v1/leases", new { ttl = 10, id }), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task Revoke_OfALeaseWithAThousandKeys_DeletesThemAllInOneRevision()
    {
        var id = (await GrantAsync(new { ttl = 60 })).GetProperty("id").GetInt64();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await Http.PutAsync(_http, $"lease/many/{i:D4}", "v", $"?lease={id}"));
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=lease/many/&prefix=true");
        var created = watch.Created;
        var before = created.Data.GetProperty("revision").GetInt64();

        var revoke = await _http.DeleteAsync($"/v1/leases/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var revision = (await revoke.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt64();
        Assert.Equal(before + 1, revision);
        Assert.Equal(before + 1, await Http.RevisionAsync(_http));
        var events = await watch.NextEventsAsync();
        Assert.Equal(revision, events.Id);
        var deletes = events.Data.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(1000, deletes.Count);
        Assert.All(deletes, d => Assert.Equal("delete", d.GetProperty("type").GetString()));
        Assert.Equal(1000, deletes.Select(d => d.GetProperty("kv").GetProperty("key").GetString()).Distinct().Count());
        var left = await _http.GetFromJsonAsync<JsonElement>("/v1/kv?prefix=lease/many/&countOnly=true");
        Assert.Equal(0, left.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Put_WithTtl_DisappearsByItself_AndAWatcherSeesTheDelete()
    {
        using var watch = await SseStream.OpenAsync(_http, "/v1/watch?key=lease/ttl/k");

        var put = await _http.PutAsync("/v1/kv/lease/ttl/k?ttl=1", new StringContent("short-lived"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var lease = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lease").GetInt64();
        Assert.True(lease > 0);

        Assert.Equal("put", (await watch.NextEventsAsync()).Data.GetProperty("events")[0].GetProperty("type").GetString());
        var delete = await watch.NextEventsAsync(); // within the stream's deadline (30 s) for a 1 s TTL
        Assert.Equal("delete", delete.Data.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.Equal(["lease/ttl/k"], Http.Keys(delete.Data));

        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/lease/ttl/k"), HttpStatusCode.NotFound, "key_not_found");
        await Problems.AssertAsync(await _http.GetAsync($"/v1/leases/{lease}"), HttpStatusCode.NotFound, "lease_not_found");
    }

    [Fact]
    public async Task Put_WithAnUnknownLease_Returns404_AndWritesNothing()
    {
        var before = await Http.RevisionAsync(_http);

        var problem = await Problems.AssertAsync(await _http.PutAsync("/v1/kv/lease/unknown/k?lease=123456789", new StringContent("v")), HttpStatusCode.NotFound, "lease_not_found");

        Assert.Equal(123456789, problem.GetProperty("leaseId").GetInt64());
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/lease/unknown/k"), HttpStatusCode.NotFound, "key_not_found");
        Assert.Equal(before, await Http.RevisionAsync(_http));
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("00:05:00", 300)]
    public async Task Put_WithTtl_TakesEveryDurationForm(string ttl, long seconds)
    {
        var put = await _http.PutAsync($"/v1/kv/lease/ttl-form/{seconds}?ttl={ttl}", new StringContent("v"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var lease = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lease").GetInt64();
        var info = await _http.GetFromJsonAsync<JsonElement>($"/v1/leases/{lease}");
        Assert.Equal(seconds, info.GetProperty("ttl").GetInt64());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(999999999999)]
    public async Task Ttl_OutOfRange_Returns400_OnGrantAndOnPut(long ttl)
    {
        await Problems.AssertAsync(await _http.PostAsJsonAsync("/v1/leases", new { ttl }), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.PutAsync($"/v1/kv/lease/bad-ttl?ttl={ttl}", new StringContent("v")), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.GetAsync("/v1/kv/lease/bad-ttl"), HttpStatusCode.NotFound, "key_not_found");
    }

    [Theory]
    [InlineData("?lease=1&ttl=5")]
    [InlineData("?lease=0")]
    [InlineData("?lease=-3")]
    [InlineData("?lease=abc")]
    [InlineData("?ttl=abc")]
    [InlineData("?ttl=-5m")]
    public async Task Put_WithBadLeaseOptions_Returns400(string query)
    {
        await Problems.AssertAsync(await _http.PutAsync("/v1/kv/lease/bad-put" + query, new StringContent("v")), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-3")]
    [InlineData("0")]
    [InlineData("99999999999999999999999")]
    public async Task BadLeaseIdInPath_Returns400(string id)
    {
        await Problems.AssertAsync(await _http.GetAsync($"/v1/leases/{id}"), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.PostAsync($"/v1/leases/{id}/keepalive", null), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await _http.DeleteAsync($"/v1/leases/{id}"), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Theory]
    [InlineData("{\"ttl\":\"ten\"}")]
    [InlineData("{\"ttl\":10,\"colour\":\"red\"}")]
    [InlineData("{\"ttl\":10,\"id\":-5}")]
    [InlineData("not json")]
    public async Task Grant_WithABadBody_Returns400(string body)
    {
        var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        await Problems.AssertAsync(await _http.PostAsync("/v1/leases", content), HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task Put_WithTtl_ThatFailsItsPrecondition_LeavesNoLeaseBehind()
    {
        await Http.PutAsync(_http, "lease/cas/k", "exists");
        var before = await _http.GetFromJsonAsync<JsonElement>("/v1/leases");
        var put = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/lease/cas/k?ttl=600") { Content = new StringContent("v") };
        put.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Any);

        await Problems.AssertAsync(await _http.SendAsync(put), HttpStatusCode.PreconditionFailed, "precondition_failed");

        var after = await _http.GetFromJsonAsync<JsonElement>("/v1/leases");
        Assert.Equal(
            before.GetProperty("leases").EnumerateArray().Select(l => l.GetProperty("id").GetInt64()).Order(),
            after.GetProperty("leases").EnumerateArray().Select(l => l.GetProperty("id").GetInt64()).Order());
    }
}
