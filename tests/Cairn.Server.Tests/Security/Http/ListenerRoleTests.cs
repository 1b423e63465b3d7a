using System.Net;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>What a caller without credential gets from a listener's anonymous role: <c>Auth:AnonymousRole</c> on the
/// <c>/v1</c> listeners, <c>Auth:ListenerRoles:journal</c> on the journal's own listener (as the seed's socket let any
/// local process append) — and nothing more.</summary>
public sealed class ListenerRoleTests(ListenerRoleTests.Fixture fixture) : IClassFixture<ListenerRoleTests.Fixture>
{
    public sealed class Fixture : AuthServerFixture
    {
        public Fixture()
        {
            Settings["Journal:Listen:0"] = "http://127.0.0.1:0";
            Settings["Auth:ListenerRoles:journal"] = "appender";
            Settings["Auth:AnonymousRole"] = "public-reader";
        }

        public string JournalTcpEndpoint => Server.CompatAddresses("journal").Single(a => a.StartsWith("http://", StringComparison.Ordinal));

        protected override async Task AfterBootstrapAsync(HttpClient root)
        {
            await AuthHttp.AddRoleAsync(root, "appender", new PermissionDto { Resource = AuthResources.Journal, Actions = ["append"], Key = "", Prefix = true });
            await AuthHttp.AddRoleAsync(root, "public-reader", new PermissionDto { Resource = AuthResources.Kv, Actions = ["read"], Key = "public/", Prefix = true });
        }
    }

    [Fact]
    public async Task TheJournalListenersRole_LetsAnonymousAppend_ButNotRead()
    {
        using var journal = new HttpClient { BaseAddress = new Uri(fixture.JournalTcpEndpoint) };
        var appended = await journal.PostAsync("/tx-listener/begin", new StringContent("{\"m\":1}", Encoding.UTF8, "application/json"));
        Assert.True(appended.StatusCode == HttpStatusCode.Created, $"{(int)appended.StatusCode} {await appended.Content.ReadAsStringAsync()}");

        // A known caller (the listener's role), refused: 403, not 401.
        await Problems.AssertAsync(await journal.GetAsync("/status/tx-listener"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);

        // The same API on the /v1 listener gives an anonymous caller only the public-reader role: no append.
        using var main = fixture.TcpHttp();
        await Problems.AssertAsync(
            await main.PostAsync("/compat/journal/tx-main/begin", new StringContent("{\"m\":1}", Encoding.UTF8, "application/json")),
            HttpStatusCode.Forbidden,
            ErrorCodes.PermissionDenied);
    }

    [Fact]
    public async Task TheAnonymousRole_LetsAnonymousReadWhatItGrants_AndNothingElse()
    {
        using var root = fixture.UnixHttp();
        await Tests.Http.PutAsync(root, "public/a", "open");
        await Tests.Http.PutAsync(root, "private/a", "closed");
        using var anonymous = fixture.TcpHttp();

        var status = await AuthHttp.StatusAsync(anonymous);
        Assert.Equal("listener", status.Via);
        Assert.Contains("public-reader", status.Roles);
        var open = await anonymous.GetAsync("/v1/kv/public/a");
        Assert.True(open.StatusCode == HttpStatusCode.OK, await open.Content.ReadAsStringAsync());
        await Problems.AssertAsync(await anonymous.GetAsync("/v1/kv/private/a"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        await Problems.AssertAsync(await anonymous.PutAsync("/v1/kv/public/b", new StringContent("x")), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        await Problems.AssertAsync(await anonymous.GetAsync("/v1/auth/users"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
    }
}
