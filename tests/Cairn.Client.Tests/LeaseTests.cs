using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>Leases through the client: grant, keep alive, inspect, list, revoke, and the errors a caller can cause.</summary>
public sealed class LeaseTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Unique(string transport) => $"lease-{transport}-{Guid.NewGuid():N}/";

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Lease_RoundTrip_GrantPutKeepAliveTtlListRevoke(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var key = Unique(transport) + "k";

        var grant = await client.GrantLeaseAsync(60);
        var put = await client.PutAsync(key, "v", new PutOptions { Lease = grant.Id });
        var renewed = await client.KeepAliveLeaseAsync(grant.Id);
        var ttl = await client.LeaseTimeToLiveAsync(grant.Id, includeKeys: true);
        var list = await client.ListLeasesAsync();
        var kv = await client.GetAsync(key);
        var revoked = await client.RevokeLeaseAsync(grant.Id);

        Assert.True(grant.Id > 0);
        Assert.Equal(60, grant.TtlSeconds);
        Assert.Equal(grant.Id, put.Lease);
        Assert.Equal(grant.Id, kv!.Lease);
        Assert.Equal(60, renewed.GrantedTtlSeconds);
        Assert.InRange(renewed.RemainingTtlSeconds, 58, 60);
        Assert.NotNull(ttl);
        Assert.Equal([key], ttl.Keys);
        Assert.Contains(list, l => l.Id == grant.Id && l.GrantedTtlSeconds == 60);
        Assert.True(revoked > put.Revision, "revoking a lease with keys deletes them in a new revision");
        Assert.Null(await client.GetAsync(key));
        Assert.Null(await client.LeaseTimeToLiveAsync(grant.Id));
        Assert.DoesNotContain(await client.ListLeasesAsync(), l => l.Id == grant.Id);
    }

    [Fact]
    public async Task Put_WithTtl_AttachesTheKeyToANewLease()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var key = Unique("tcp") + "ttl";

        var put = await client.PutAsync(key, "v", new PutOptions { TtlSeconds = 30 });

        Assert.NotNull(put.Lease);
        var lease = await client.LeaseTimeToLiveAsync(put.Lease.Value, includeKeys: true);
        Assert.NotNull(lease);
        Assert.Equal(30, lease.GrantedTtlSeconds);
        Assert.Equal([key], lease.Keys);
        await client.RevokeLeaseAsync(put.Lease.Value);
    }

    [Fact]
    public async Task UnknownLease_IsLeaseNotFound_OnPutKeepAliveAndRevoke()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        const long unknown = 424242424242;

        var put = await Assert.ThrowsAsync<LeaseNotFoundException>(() => client.PutAsync(Unique("tcp") + "x", "v", new PutOptions { Lease = unknown }));
        var keepAlive = await Assert.ThrowsAsync<LeaseNotFoundException>(async () => await client.KeepAliveLeaseAsync(unknown));
        var revoke = await Assert.ThrowsAsync<LeaseNotFoundException>(async () => await client.RevokeLeaseAsync(unknown));

        Assert.All(new[] { put, keepAlive, revoke }, ex => Assert.Equal(unknown, ex.LeaseId));
        Assert.Contains("Lease 424242424242 not found", put.Message, StringComparison.Ordinal);
        Assert.Null(await client.LeaseTimeToLiveAsync(unknown));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_000_000_000_000)]
    public async Task Grant_WithAnUnusableTtl_IsInvalidArgument(long ttl)
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        var grant = await Assert.ThrowsAsync<InvalidArgumentException>(async () => await client.GrantLeaseAsync(ttl));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.PutAsync(Unique("tcp") + "x", "v", new PutOptions { TtlSeconds = ttl }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.CreateSessionAsync(ttl));

        Assert.Contains("TTL", grant.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_000_000_000_000)]
    public async Task Server_RejectsAnUnusableTtl_AsInvalidArgument(long ttl)
    {
        // The client checks first; the server must too, for every other client.
        using var http = fixture.TcpHttp();
        var grant = await http.PostAsync("/v1/leases", new StringContent($"{{\"ttl\":{ttl}}}", System.Text.Encoding.UTF8, "application/json"));
        var put = await http.PutAsync($"/v1/kv/{Unique("tcp")}x?ttl={ttl}", new StringContent("v"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, grant.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("\"code\":\"invalid_argument\"", await grant.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
