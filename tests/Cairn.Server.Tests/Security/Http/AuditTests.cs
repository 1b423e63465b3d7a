using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>The audit file (<c>Auth:AuditFile</c>): one JSON line per authentication failure, denial and admin change,
/// with who, from where, what and the outcome; private to the server's user.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuditTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    [Fact]
    public async Task AFailedLogin_ADenial_AndAUserAdd_AreEachAuditedOnce()
    {
        using var anonymous = fixture.TcpHttp();
        using var root = fixture.UnixHttp();
        await AuthHttp.AssertUnauthenticatedAsync(await AuthHttp.TryLoginAsync(anonymous, "audit-guess", "wrong"));
        await AuthHttp.AddUserAsync(root, "audit-user", "pw", []);
        var token = await AuthHttp.LoginAsync(anonymous, "audit-user", "pw");
        using var user = AuthHttp.Bearer(fixture.TcpEndpoint, token.Token);
        await Problems.AssertAsync(await user.DeleteAsync("/v1/auth/users/root"), HttpStatusCode.Forbidden, ErrorCodes.PermissionDenied);
        await AuthHttp.AssertUnauthenticatedAsync(await anonymous.GetAsync("/v1/auth/roles"));

        var lines = AuthHttp.AuditLines(fixture.AuditFile);
        var failed = Assert.Single(lines, l => Is(l, "auth.failed") && Text(l, "who") == "audit-guess");
        Assert.Equal("failed", Text(failed, "outcome"));
        Assert.StartsWith("127.0.0.1:", Text(failed, "from"), StringComparison.Ordinal);
        Assert.Contains("/v1/auth/login", Text(failed, "what"), StringComparison.Ordinal);

        var denied = Assert.Single(lines, l => Is(l, "access.denied") && Text(l, "who") == "audit-user");
        Assert.Equal("denied", Text(denied, "outcome"));
        Assert.Contains("DELETE /v1/auth/users/root", Text(denied, "what"), StringComparison.Ordinal);

        var added = Assert.Single(lines, l => Is(l, "user.add") && Text(l, "what")!.Contains("audit-user", StringComparison.Ordinal));
        Assert.Equal("ok", Text(added, "outcome"));
        Assert.Equal("root", Text(added, "who"));
        Assert.StartsWith("unix:uid=", Text(added, "from"), StringComparison.Ordinal);
        Assert.Contains(lines, l => Is(l, "login") && Text(l, "who") == "audit-user");
        Assert.Contains(lines, l => Is(l, "auth.failed") && Text(l, "what")!.Contains("/v1/auth/roles", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.TryGetProperty("time", out _)));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fixture.AuditFile));
    }

    [Fact]
    public async Task AFailedAdminChange_IsAuditedWithItsOutcome()
    {
        using var root = fixture.UnixHttp();
        var duplicate = await root.PostAsJsonAsync("/v1/auth/users", new CreateUserDto { Name = "root", Password = "again" }, WireJson.Options);
        await Problems.AssertAsync(duplicate, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        var lines = AuthHttp.AuditLines(fixture.AuditFile);
        Assert.Contains(lines, l => Is(l, "user.add") && Text(l, "outcome") == "failed" && Text(l, "what")!.Contains("'root'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClaimedUserNameWithALineBreak_CannotForgeAnAuditLine()
    {
        using var anonymous = fixture.TcpHttp();
        await AuthHttp.AssertUnauthenticatedAsync(await AuthHttp.TryLoginAsync(anonymous, "x\n{\"event\":\"forged\"}", "wrong"));
        var lines = AuthHttp.AuditLines(fixture.AuditFile);
        Assert.DoesNotContain(lines, l => Is(l, "forged"));
        Assert.Contains(lines, l => Is(l, "auth.failed") && Text(l, "who") == "x\n{\"event\":\"forged\"}");
    }

    [Fact]
    public async Task AnAdminAction_IsAuditedWithItsOutcome()
    {
        using var root = fixture.UnixHttp();
        var revision = await Tests.Http.PutAsync(root, "audit-compact", "v");
        var compacted = await root.PostAsync("/v1/compact", new StringContent($"{{\"revision\":{revision}}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(compacted.IsSuccessStatusCode, await compacted.Content.ReadAsStringAsync());
        var beyond = await root.PostAsync("/v1/compact", new StringContent("{\"revision\":999999999}", System.Text.Encoding.UTF8, "application/json"));
        Assert.False(beyond.IsSuccessStatusCode);

        var lines = AuthHttp.AuditLines(fixture.AuditFile);
        Assert.Contains(lines, l => Is(l, "compaction") && Text(l, "outcome") == "ok" && Text(l, "who") == "root" && Text(l, "what")!.Contains("POST /v1/compact -> 200", StringComparison.Ordinal));
        Assert.Contains(lines, l => Is(l, "compaction") && Text(l, "outcome") == "failed");
    }

    private static bool Is(JsonElement line, string @event) => Text(line, "event") == @event;

    private static string? Text(JsonElement line, string name) => line.GetProperty(name).GetString();
}
