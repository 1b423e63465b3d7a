using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cairn.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task ForgedTruncatedAlteredAndForeignTokens_Are401_AndWriteNothing()
    {
        var real = server.Token(Who.Root);
        var middle = real.Length / 2;
        await using var other = await LoneSecureServer.StartAsync();
        var tokens = new (string What, string Token)[]
        {
            ("random bytes with the login prefix", "cairn_" + Base64Url(RandomNumberGenerator.GetBytes(32))),
            ("random bytes with the API token prefix", "cairnapi_" + Base64Url(RandomNumberGenerator.GetBytes(32))),
            ("random bytes with the node prefix", "cairnnode_" + Base64Url(RandomNumberGenerator.GetBytes(32))),
            ("root's token without its last character", real[..^1]),
            ("root's token cut in half", real[..middle]),
            ("root's token's prefix alone", real[..(real.IndexOf('_', StringComparison.Ordinal) + 1)]),
            ("root's token with one character changed", real[..middle] + (real[middle] == 'x' ? 'y' : 'x') + real[(middle + 1)..]),
            ("root's token with a character added", real + "x"),
            ("root's token in upper case", real.ToUpperInvariant()),
            ("root's token twice", real + real),
            ("a login token of root on another server", other.RootToken),
            ("the node credential of another server", other.NodeToken),
        };

        foreach (var (what, token) in tokens)
        {
            Assert.NotEqual(real, token);
            var id = NewId();
            using var http = server.Http(AuthApi.Bearer(token));
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, $"a read with {what}");
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "PUT", $"/v1/kv/a/forged-{id}", "x", "text/plain"), Who.Anonymous, $"a write with {what}");
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "POST", "/v1/auth/users", $$"""{"name":"forged-{{id}}","password":"p","roles":["root"]}"""), Who.Anonymous, $"adding a user with {what}");
            Assert.False(await KvExistsAsync($"a/forged-{id}"), $"a write with {what} was refused, yet written");
            using var root = server.Http(Who.Root);
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(root, $"/v1/auth/users/forged-{id}"));
        }

        // Whatever the other server's tokens can do there, they do nothing here; and this server's own token still works.
        using var mine = server.Http(Who.Root);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(mine, "/v1/kv/" + SecureServer.SeededKey));
    }

    [Fact]
    public async Task AnEmptyOrMalformedAuthorizationHeader_Is401_NeverAnonymousAccessToMore()
    {
        foreach (var header in new[] { "Bearer", "Bearer ", "Bearer  ", "Basic", "Basic !!!notbase64", "Basic " + Convert.ToBase64String("root"u8.ToArray()), "Basic " + Convert.ToBase64String("root:"u8.ToArray()), "Negotiate abc", "cairn_" + Base64Url(RandomNumberGenerator.GetBytes(32)) })
        {
            using var http = new HttpClient { BaseAddress = new Uri(server.TcpEndpoint) };
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
            var answer = await AttackHttp.SendAsync(http, "GET", "/v1/kv/" + SecureServer.SeededKey);
            AttackHttp.AssertUnauthenticated(answer, $"Authorization: {header}");
        }
    }

    [Fact]
    public async Task BasicAuth_WithTheRightPassword_IsThatUser_AndWithAWrongOne_Is401()
    {
        using var reader = server.Http(AuthApi.Basic(SecureServer.ReaderUser, server.Password(SecureServer.ReaderUser)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(reader, "/v1/kv/" + SecureServer.SeededKey));
        var id = NewId();
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(reader, "PUT", $"/v1/kv/a/basic-{id}", "x", "text/plain"), Who.Reader, "a write with reader's password");
        Assert.Equal(SecureServer.ReaderUser, (await AuthApi.StatusAsync(reader)).User);

        using var wrong = server.Http(AuthApi.Basic(SecureServer.ReaderUser, server.Password(SecureServer.ReaderUser) + "x"));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(wrong, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read with a wrong password");
        using var unknown = server.Http(AuthApi.Basic("no-such-user-" + id, "x"));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(unknown, "GET", "/v1/kv/" + SecureServer.SeededKey), Who.Anonymous, "a read as an unknown user");
        Assert.False(await KvExistsAsync($"a/basic-{id}"));
    }

    [Fact]
    public async Task AHundredWrongPasswords_AreThrottledWith429_TheRightOneToo_AndEveryFailureIsAudited()
    {
        var victim = "victim-" + NewId();
        await server.AddUserAndLogInAsync(victim, SecureServer.ReaderUser);
        var password = server.Password(victim);

        // From an address of its own (127.0.0.2), so that throttling this address leaves the other tests' logins alone.
        using var attacker = FromAddress(server.TcpEndpoint, IPAddress.Parse("127.0.0.2"));
        var statuses = new List<int>();
        string? retryAfter = null;
        for (var i = 0; i < 100; i++)
        {
            using var response = await AuthApi.LoginResponseAsync(attacker, victim, $"guess-{i}");
            statuses.Add((int)response.StatusCode);
            retryAfter ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response.Headers.RetryAfter?.ToString() : null;
        }

        var histogram = string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key}×{g.Count()}"));
        Assert.True(statuses.Take(5).All(s => s == 401) && statuses.Skip(5).All(s => s == 429), $"100 wrong passwords in a row: the first 5 (Auth:MaxFailedLogins) are 401, every later one 429; got {histogram}");
        Assert.False(string.IsNullOrEmpty(retryAfter), "a 429 for a login says when to retry (Retry-After)");

        // While throttled, the right password is refused too (a guess cannot be confirmed), also through basic auth.
        using var right = await AuthApi.LoginResponseAsync(attacker, victim, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        using var basic = FromAddress(server.TcpEndpoint, IPAddress.Parse("127.0.0.2"), AuthApi.Basic(victim, "guess-basic"));
        var throttled = await AttackHttp.SendAsync(basic, "GET", "/v1/kv/" + SecureServer.SeededKey);
        Assert.True(throttled.Status == 429, $"basic auth from the throttled address: {throttled}");

        // Bearer tokens of other callers are not logins: they go on working.
        using var reader = server.Http(Who.Reader);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(reader, "/v1/kv/" + SecureServer.SeededKey));

        // Audited: every attempt, failed or throttled, with who and from where.
        await Eventually.UntilAsync(
            () => File.Exists(server.AuditFile) && File.ReadLines(server.AuditFile).Count(l => l.Contains(victim, StringComparison.Ordinal) && l.Contains("127.0.0.2", StringComparison.Ordinal)) >= 100,
            AuthApi.Deadline,
            $"the audit file ({server.AuditFile}) has a line naming {victim} and 127.0.0.2 for each of the 100 wrong passwords");
    }

    [Fact]
    public async Task TheNodeCredential_ReadsVolumeFiles_ButWritesNothing_AndManagesNoUsers()
    {
        var node = server.Server.Services.GetRequiredService<AccessControl>().NodeToken;
        Assert.False(string.IsNullOrEmpty(node), "auth is on, yet there is no node credential");
        using var http = server.Http(AuthApi.Bearer(node));
        var (volume, blob) = server.SeededVolumeFile;
        var read = await AttackHttp.SendAsync(http, "GET", $"/v1/internal/volumes/{volume}/{blob}");
        Assert.True(read.Status is 200 or 206 && read.Body == "seeded blob", $"a node's internal read: {read}");

        var id = NewId();
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "PUT", $"/v1/kv/a/node-{id}", "x", "text/plain"), Who.NobodyPerms, "a kv write with the node credential");
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "POST", "/v1/auth/users", $$"""{"name":"node-{{id}}","password":"p","roles":["root"]}"""), Who.NobodyPerms, "adding a user with the node credential");
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(http, "GET", "/v1/admin/snapshot", stream: true), Who.NobodyPerms, "a snapshot with the node credential");
        Assert.False(await KvExistsAsync($"a/node-{id}"));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // A client whose connections come from local address `from` (any 127/8 address is this host's loopback).
    private static HttpClient FromAddress(string endpoint, IPAddress from, System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(endpoint) };
        http.DefaultRequestHeaders.Authorization = authorization;
        return http;
    }
}
