using System.Net;
using System.Net.Http.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>Turning auth on and off, as an operator would: refused without a root user, then on, then off again.</summary>
public sealed class AuthBootstrapTests : IClassFixture<AuthBootstrapTests.Fixture>
{
    private readonly Fixture _fixture;

    public AuthBootstrapTests(Fixture fixture) => _fixture = fixture;

    public sealed class Fixture : ServerFixture
    {
        public Fixture() => Settings["Auth:BcryptCost"] = "4";
    }

    [Fact]
    public async Task Enable_NeedsARootUser_ThenLocksAnonymousOut_AndDisableOpensAgain()
    {
        using var anonymous = _fixture.TcpHttp();
        var off = await AuthHttp.StatusAsync(anonymous);
        Assert.False(off.Enabled);
        var before = await anonymous.PutAsync("/v1/kv/bootstrap", new StringContent("open"));
        Assert.True(before.IsSuccessStatusCode, await before.Content.ReadAsStringAsync());

        // No root user yet: refused, and auth stays off.
        await Problems.AssertAsync(await anonymous.PostAsync("/v1/auth/enable", null), HttpStatusCode.Conflict, ErrorCodes.Conflict);
        Assert.False((await AuthHttp.StatusAsync(anonymous)).Enabled);

        // A user named root without the root role is not enough either.
        await AuthHttp.AddUserAsync(anonymous, "root", AuthHttp.RootPassword, []);
        await Problems.AssertAsync(await anonymous.PostAsync("/v1/auth/enable", null), HttpStatusCode.Conflict, ErrorCodes.Conflict);
        var granted = await anonymous.PostAsJsonAsync("/v1/auth/users/root/roles", new GrantRoleDto { Role = "root" }, WireJson.Options);
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        Assert.Contains("root", (await granted.Content.ReadFromJsonAsync<UserDto>(WireJson.Options))!.Roles);

        var enabled = await anonymous.PostAsync("/v1/auth/enable", null);
        Assert.True(enabled.StatusCode == HttpStatusCode.OK, await enabled.Content.ReadAsStringAsync());
        Assert.True((await AuthHttp.StatusAsync(anonymous)).Enabled);
        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.GetAsync("/v1/kv/bootstrap"));
        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.PostAsync("/v1/auth/disable", null));

        using var root = AuthHttp.Basic(_fixture.TcpEndpoint, "root", AuthHttp.RootPassword);
        var disabled = await root.PostAsync("/v1/auth/disable", null);
        Assert.True(disabled.StatusCode == HttpStatusCode.OK, await disabled.Content.ReadAsStringAsync());
        Assert.False((await disabled.Content.ReadFromJsonAsync<AuthStatusDto>(WireJson.Options))!.Enabled);
        var after = await anonymous.GetAsync("/v1/kv/bootstrap");
        Assert.True(after.StatusCode == HttpStatusCode.OK, await after.Content.ReadAsStringAsync());
        Assert.False((await AuthHttp.StatusAsync(anonymous)).Enabled);
    }
}
