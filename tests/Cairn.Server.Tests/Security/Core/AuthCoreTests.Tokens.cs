using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;

namespace Cairn.Server.Tests.Security.Core;

/// <summary>Bearer tokens and passwords, as a client (or an attacker) presents them.</summary>
public abstract partial class AuthCoreTests
{
    [Fact]
    public async Task LoginToken_Authenticates_UntilItExpiresOnTheServersClock()
    {
        await AddUserAsync("alice");
        var login = await Auth.LoginAsync("alice", TimeSpan.FromMinutes(10), default);

        Assert.StartsWith("cairn_", login.Token, StringComparison.Ordinal);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(10), login.ExpiresAt);
        var principal = Access.Authenticate(login.Token);
        Assert.NotNull(principal);
        Assert.Equal(("alice", "token", login.Id), (principal.Name, principal.Via, principal.CredentialId));
        Assert.False(principal.Revoked.IsCancellationRequested);

        Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(Access.Authenticate(login.Token));
        Assert.False(principal.Revoked.IsCancellationRequested);

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(principal.Revoked.IsCancellationRequested);
        Assert.Null(Access.Authenticate(login.Token));
    }

    [Fact]
    public async Task ApiToken_Authenticates_UntilRevoked_AndIsListedWithoutItsSecret()
    {
        await AddUserAsync("svc");
        var made = await Auth.CreateTokenAsync("svc", "deployer", null, default);
        var timed = await Auth.CreateTokenAsync("svc", "short", TimeSpan.FromDays(1), default);

        Assert.StartsWith("cairnapi_", made.Token, StringComparison.Ordinal);
        Assert.Null(made.ExpiresAt);
        var principal = Access.Authenticate(made.Token);
        Assert.Equal(("svc", "api-token"), (principal?.Name, principal?.Via));

        var listed = (await Auth.ListTokensAsync("svc", default)).Tokens;
        Assert.Equal(new[] { made.Id, timed.Id }.Order(), listed.Select(t => t.Id).Order());
        Assert.All(listed, t => Assert.Equal("api", t.Kind));
        Assert.Equal("deployer", listed.Single(t => t.Id == made.Id).Name);
        Assert.Empty((await Auth.ListTokensAsync("other", default)).Tokens);
        Assert.DoesNotContain(made.Token, string.Join(",", listed.Select(t => t.Id + t.Name)), StringComparison.Ordinal);

        await Auth.RevokeTokenAsync(made.Id, default);
        Assert.True(principal!.Revoked.IsCancellationRequested);
        Assert.Null(Access.Authenticate(made.Token));
        Assert.NotNull(Access.Authenticate(timed.Token));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RevokeTokenAsync(made.Id, default));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.RevokeTokenAsync("../users/root", default));
    }

    [Fact]
    public async Task ForgedTruncatedOrRePrefixedTokens_AuthenticateNoOne()
    {
        await EnableAsync();
        await AddUserAsync("alice");
        var login = await Auth.LoginAsync("alice", TimeSpan.FromHours(1), default);
        var api = await Auth.CreateTokenAsync("alice", "x", null, default);
        var secret = login.Token["cairn_".Length..];
        var flipped = (secret[0] == 'A' ? 'B' : 'A') + secret[1..];

        string[] bad =
        [
            "", "cairn_", login.Token[..^1], login.Token + "A", "cairn_" + flipped, "cairnapi_" + secret, "cairnnode_" + secret,
            "CAIRN_" + secret, " " + login.Token, login.Token + " ", "Bearer " + login.Token, "cairn_" + new string('A', 43),
            "cairnapi_" + login.Token, api.Token.Replace("cairnapi_", "cairn_", StringComparison.Ordinal), BearerTokens.Hash(login.Token),
            Access.NodeToken!.Replace("cairnnode_", "cairn_", StringComparison.Ordinal), "cairn_" + secret[..42] + "=",
        ];
        foreach (var token in bad)
        {
            Assert.Null(Access.Authenticate(token));
        }

        Assert.NotNull(Access.Authenticate(login.Token));
        Assert.NotNull(Access.Authenticate(api.Token));
    }

    [Fact]
    public async Task TheStore_KeepsOnlyAHashOfEachToken()
    {
        await EnableAsync();
        await AddUserAsync("alice");
        var login = await Auth.LoginAsync("alice", TimeSpan.FromHours(1), default);
        var api = await Auth.CreateTokenAsync("alice", "x", null, default);
        var all = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(AuthKeys.Root)));
        var text = string.Join("\n", all.Kvs.Select(kv => kv.Key + "=" + System.Text.Encoding.UTF8.GetString(kv.Value.Span)));

        Assert.DoesNotContain(login.Token["cairn_".Length..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Token["cairnapi_".Length..], text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-alice", text, StringComparison.Ordinal);
        Assert.Contains(BearerTokens.Hash(login.Token), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_RightOneAuthenticates_WrongOneOrUnknownUserDoNot()
    {
        await AddUserAsync("alice");
        await Auth.AddUserAsync(new CreateUserDto { Name = "nopw" }, default);

        var alice = await Access.AuthenticatePasswordAsync("alice", "pw-alice", default);
        Assert.Equal(("alice", "password"), (alice?.Name, alice?.Via));
        Assert.NotNull(await Access.AuthenticatePasswordAsync("alice", "pw-alice", default));
        Assert.Null(await Access.AuthenticatePasswordAsync("alice", "pw-alicf", default));
        Assert.Null(await Access.AuthenticatePasswordAsync("alice", "", default));
        Assert.Null(await Access.AuthenticatePasswordAsync("nobody", "pw-alice", default));
        Assert.Null(await Access.AuthenticatePasswordAsync("nopw", "", default));
        Assert.Null(await Access.AuthenticatePasswordAsync("nopw", "anything", default));
    }

    [Fact]
    public async Task PasswordChange_EndsLoginSessions_AndTheOldPasswordAtOnce()
    {
        await AddUserAsync("alice");
        var login = await Auth.LoginAsync("alice", TimeSpan.FromHours(1), default);
        var api = await Auth.CreateTokenAsync("alice", "x", null, default);
        var byPassword = await Access.AuthenticatePasswordAsync("alice", "pw-alice", default);
        var byToken = Access.Authenticate(login.Token);

        await Auth.SetPasswordAsync("alice", "new-one", default);

        Assert.True(byPassword!.Revoked.IsCancellationRequested);
        Assert.True(byToken!.Revoked.IsCancellationRequested);
        Assert.Null(Access.Authenticate(login.Token));
        Assert.Null(await Access.AuthenticatePasswordAsync("alice", "pw-alice", default));
        Assert.NotNull(await Access.AuthenticatePasswordAsync("alice", "new-one", default));
        Assert.NotNull(Access.Authenticate(api.Token));
        Assert.Equal([api.Id], (await Auth.ListTokensAsync("alice", default)).Tokens.Select(t => t.Id));

        await Auth.SetPasswordAsync("alice", null, default);
        Assert.Null(await Access.AuthenticatePasswordAsync("alice", "new-one", default));
        Assert.False((await Auth.GetUserAsync("alice", default)).HasPassword);
    }

    [Fact]
    public async Task Tokens_OfARemovedUser_DoNotComeBackWithAUserOfTheSameName()
    {
        await AddUserAsync("alice");
        var login = await Auth.LoginAsync("alice", TimeSpan.FromHours(1), default);
        var api = await Auth.CreateTokenAsync("alice", "x", null, default);
        var stored = (await Store.RangeAsync(new RangeRequest(KeyRange.Single(AuthKeys.Tokens + api.Id)))).Kvs.Single();

        await Auth.RemoveUserAsync("alice", default);
        Assert.Empty((await Auth.ListTokensAsync(null, default)).Tokens);
        await AddUserAsync("alice");

        // Even a token record that survived its user (made while the user was being removed) is not the new user's.
        var put = await Store.PutAsync(new PutRequest(stored.Key, stored.Value));
        await Access.WaitForRevisionAsync(put.Revision, default);
        Assert.Single((await Auth.ListTokensAsync("alice", default)).Tokens);

        Assert.Null(Access.Authenticate(login.Token));
        Assert.Null(Access.Authenticate(api.Token));
        await Assert.ThrowsAsync<NotFoundException>(async () => await Auth.LoginAsync("nobody", TimeSpan.FromHours(1), default));
    }
}
