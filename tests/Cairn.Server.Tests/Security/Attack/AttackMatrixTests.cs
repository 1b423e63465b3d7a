using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// Every route family (<see cref="AttackRoutes"/>), on every backend (one derived class each): a request without a
/// credential is 401 and a user without the permission gets 403, and neither writes anything (root looks afterwards);
/// root's same request succeeds (and root's write is seen by the same look, so a refusal's "nothing written" means
/// something).
/// </summary>
public abstract class AttackMatrixTests(SecureServer server)
{
    private static readonly Who[] Refused = [Who.Anonymous, Who.NobodyPerms];

    public static TheoryData<string> Writes => [.. AttackRoutes.Writes.Select(r => r.Name)];

    public static TheoryData<string> Reads => [.. AttackRoutes.Reads.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_WithoutCredential_Is401_WithoutPermission_Is403_AndWritesNothing_WhileRootsSucceeds(string name)
    {
        var request = AttackRoutes.Writes.Single(r => r.Name == name);
        var values = await ValuesAsync();
        if (request.Setup is { } setup)
        {
            using var root = server.Http(Who.Root);
            var done = await AttackHttp.SendAsync(root, setup.Method, AttackRoutes.Fill(setup.Path, values), setup.Body, "text/plain");
            Assert.True(done.Status < 300, $"setting up {name}: {done}");
        }

        Assert.False(await WrittenAsync(request.Written!, values), $"{name} ({server.Backend}): the probe sees a write before any request");
        foreach (var who in Refused)
        {
            var answer = await AttackHttp.SendAsync(server, who, request, values);
            AttackHttp.AssertRefused(answer, who, $"{name} ({server.Backend})");
            Assert.False(await WrittenAsync(request.Written!, values), $"{name} ({server.Backend}): refused to {who} ({answer.Status}), yet written");
        }

        var rootAnswer = await AttackHttp.SendAsync(server, Who.Root, request, values);
        Assert.True(rootAnswer.Status < 300, $"{name} ({server.Backend}) as root: {rootAnswer}");
        Assert.True(await WrittenAsync(request.Written!, values), $"{name} ({server.Backend}): root's request succeeded ({rootAnswer.Status}) but the probe does not see it");
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_WithoutCredential_Is401_WithoutPermission_Is403_WhileRootsSucceeds(string name)
    {
        var request = AttackRoutes.Reads.Single(r => r.Name == name);
        if (request.Shape == AttackShape.WebSocket)
        {
            await WatchSocketAsync();
            return;
        }

        var values = await ValuesAsync();
        foreach (var who in request.AnyUser ? [Who.Anonymous] : Refused)
        {
            var answer = await AttackHttp.SendAsync(server, who, request, values);
            AttackHttp.AssertRefused(answer, who, $"{name} ({server.Backend})");
            Assert.DoesNotContain("seeded value", answer.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("seeded blob", answer.Body, StringComparison.Ordinal);
        }

        foreach (var who in request.AnyUser ? [Who.NobodyPerms, Who.Root] : new[] { Who.Root })
        {
            var answer = await AttackHttp.SendAsync(server, who, request, values);
            Assert.True(answer.Status < 300, $"{name} ({server.Backend}) as {who}: {answer}");
        }
    }

    // The WebSocket: no upgrade without a credential; a caller without read on the key gets no watch on it (the upgrade
    // or the create is refused); root's watch is created.
    private async Task WatchSocketAsync()
    {
        const string Create = """{"create":{"key":"a/seeded"}}""";
        var (anonymous, status) = await AttackHttp.ConnectWatchAsync(server, null);
        anonymous?.Dispose();
        Assert.True(anonymous is null && status == HttpStatusCode.Unauthorized, $"watch WebSocket ({server.Backend}) without a credential: upgrade answered {(int)status}, not 401");

        var (nobody, nobodyStatus) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(server.Token(Who.NobodyPerms)));
        if (nobody is null)
        {
            Assert.True(nobodyStatus == HttpStatusCode.Forbidden, $"watch WebSocket ({server.Backend}) as nobody-perms: upgrade answered {(int)nobodyStatus}, not 403");
        }
        else
        {
            using (nobody)
            {
                await AttackHttp.SendJsonAsync(nobody, Create);
                var answer = await AttackHttp.ReceiveAsync(nobody);
                Assert.True(answer is { } refused && IsPermissionDenied(refused), $"watch WebSocket ({server.Backend}) as nobody-perms: a create on a/seeded was answered {answer}, not a permission_denied error");
            }
        }

        var (root, rootStatus) = await AttackHttp.ConnectWatchAsync(server, AuthApi.Bearer(server.Token(Who.Root)));
        Assert.True(root is not null, $"watch WebSocket ({server.Backend}) as root: upgrade answered {(int)rootStatus}");
        using (root)
        {
            await AttackHttp.SendJsonAsync(root, Create);
            var created = await AttackHttp.ReceiveAsync(root);
            Assert.True(created is { } c && c.TryGetProperty("created", out _), $"watch WebSocket ({server.Backend}) as root: a create was answered {created}");
        }
    }

    /// <summary>An error or cancel message of the watch socket saying <c>permission_denied</c>.</summary>
    internal static bool IsPermissionDenied(JsonElement message) =>
        (message.TryGetProperty("error", out var error) || message.TryGetProperty("canceled", out error))
        && error.TryGetProperty("code", out var code) && code.GetString() == "permission_denied";

    private async Task<Dictionary<string, string>> ValuesAsync()
    {
        using var root = server.Http(Who.Root);
        var status = await AttackHttp.SendAsync(root, "GET", "/v1/status");
        Assert.True(status.Status == 200, $"root's GET /v1/status: {status}");
        return AttackRoutes.Values(server, JsonDocument.Parse(status.Body).RootElement.GetProperty("revision").GetInt64());
    }

    // What root sees of a write: the probe of the table.
    private async Task<bool> WrittenAsync(AttackProbe probe, IReadOnlyDictionary<string, string> values)
    {
        var text = AttackRoutes.Fill(probe.Text, values);
        if (probe.Kind == ProbeKind.Called)
        {
            return File.ReadAllLines(server.CallsFile).Contains(text, StringComparer.Ordinal);
        }

        using var root = server.Http(Who.Root);
        if (probe.Kind == ProbeKind.Compacted)
        {
            var status = await AttackHttp.SendAsync(root, "GET", "/v1/status");
            return JsonDocument.Parse(status.Body).RootElement.GetProperty("compactRevision").GetInt64() >= long.Parse(values["rev"], System.Globalization.CultureInfo.InvariantCulture);
        }

        var answer = await AttackHttp.SendAsync(root, "GET", AttackRoutes.Fill(probe.Path, values));
        Assert.True(answer.Status is (>= 200 and < 300) or 404, $"root's look at a write ({server.Backend}): {answer}");
        return probe.Kind switch
        {
            ProbeKind.Exists => answer.Status != 404,
            ProbeKind.Gone => answer.Status == 404,
            _ => answer.Status != 404 && answer.Body.Contains(text, StringComparison.Ordinal),
        };
    }
}
