using System.Net;
using Cairn.Contracts;

namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task TheAuthApi_CannotBeTurnedAgainstRootOrOtherUsers_AndEachDenialIsAudited()
    {
        var id = NewId();
        using var writer = server.Http(Who.WriterA);
        var attempts = new (string Method, string Path, string? Body)[]
        {
            ("PUT", "/v1/auth/users/root/password", """{"password":"owned"}"""),
            ("PUT", "/v1/auth/users/reader/password", """{"password":"owned"}"""),
            ("POST", "/v1/auth/users/writer-a/roles", """{"role":"root"}"""),
            ("POST", "/v1/auth/users", $$"""{"name":"evil-{{id}}","password":"p","roles":["root"]}"""),
            ("POST", "/v1/auth/roles", $$"""{"name":"evil-{{id}}","permissions":[{"resource":"kv","actions":["*"],"key":"","prefix":true}]}"""),
            ("POST", "/v1/auth/roles/writer-a/permissions", """{"permissions":[{"resource":"kv","actions":["*"],"key":"","prefix":true}]}"""),
            ("POST", "/v1/auth/tokens", """{"user":"root","name":"stolen"}"""),
            ("GET", "/v1/auth/tokens?user=root", null),
            ("DELETE", "/v1/auth/tokens/" + server.TokenId(Who.Root), null),
            ("DELETE", "/v1/auth/users/root", null),
            ("DELETE", "/v1/auth/users/root/roles/root", null),
            ("GET", "/v1/auth/users", null),
            ("GET", "/v1/auth/roles/reader", null),
            ("POST", "/v1/auth/disable", null),
        };

        foreach (var (method, path, body) in attempts)
        {
            var answer = await AttackHttp.SendAsync(writer, method, path, body);
            Assert.True(answer.Status is 403 or 404, $"writer-a: {answer}");
            Assert.DoesNotContain("cairn_", answer.Body, StringComparison.Ordinal);
        }

        // Nothing changed: root's session and password work, writer-a is what it was, auth is on.
        using var root = server.Http(Who.Root);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(root, "/v1/auth/users/root"));
        using var anonymous = server.Http(Who.Anonymous);
        await AuthApi.LoginAsync(anonymous, SecureServer.RootUser, server.Password(SecureServer.RootUser));
        await AuthApi.LoginAsync(anonymous, SecureServer.ReaderUser, server.Password(SecureServer.ReaderUser));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(root, $"/v1/auth/users/evil-{id}"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(root, $"/v1/auth/roles/evil-{id}"));
        var status = await AuthApi.StatusAsync(writer);
        Assert.True(status.Enabled);
        Assert.Equal([SecureServer.WriterUser], status.Roles);
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(writer, "GET", "/v1/kv/" + SecureServer.SecretKey), Who.WriterA, "writer-a's read of b/ after its attempts");

        // A user may change its own password (and then its sessions end).
        var self = await server.AddUserAndLogInAsync($"self-{id}", SecureServer.WriterUser);
        using var selfHttp = server.Http(AuthApi.Bearer(self.Token));
        var own = await AttackHttp.SendAsync(selfHttp, "PUT", $"/v1/auth/users/self-{id}/password", """{"password":"a new one"}""");
        Assert.True(own.Status == 204, $"a user changing its own password: {own}");

        // Every denial is in the audit trail, with the user.
        await Eventually.UntilAsync(
            () => File.Exists(server.AuditFile) && File.ReadLines(server.AuditFile).Count(l => l.Contains(SecureServer.WriterUser, StringComparison.Ordinal) && l.Contains("/v1/auth/", StringComparison.Ordinal) && l.Contains("denied", StringComparison.Ordinal)) >= attempts.Length - 2,
            AuthApi.Deadline,
            $"the audit file ({server.AuditFile}) has a denial line of writer-a for each of its attempts on /v1/auth");
    }

    [Fact]
    public async Task AUserWhoMayWriteEveryKey_StillCannotTouchTheAuthKeys()
    {
        var id = NewId();
        var role = $"kv-admin-{id}";
        using var root = server.Http(Who.Root);
        await AuthApi.AddRoleAsync(root, role, AuthApi.Grant(AuthResources.Kv, "", "*"));
        var login = await server.AddUserAndLogInAsync(role, role);
        using var admin = server.Http(AuthApi.Bearer(login.Token));

        // It may write any key of users.
        Assert.True((await AttackHttp.SendAsync(admin, "PUT", $"/v1/kv/z/{id}", "x", "text/plain")).Status < 300);

        var record = $$"""{"name":"{{role}}","hash":"x","roles":["root"]}""";
        var attempts = new (string Method, string Target, string? Body)[]
        {
            ("PUT", $"/v1/kv//cairn/auth/users/{role}", record),
            ("PUT", "/v1/kv/%2Fcairn%2Fauth%2Fusers%2Fevil", record),
            ("DELETE", "/v1/kv//cairn/auth/enabled", null),
            ("DELETE", "/v1/kv//cairn/auth/?prefix=true", null),
            ("DELETE", "/v1/kv//cairn/?prefix=true", null),
            ("DELETE", "/v1/kv/?prefix=true", null),
            ("POST", "/v1/txn", $$$"""{"success":[{"put":{"key":"/cairn/auth/users/{{{role}}}","text":{{{System.Text.Json.JsonSerializer.Serialize(record)}}}}}]}"""),
            ("POST", "/v1/txn", """{"success":[{"delete":{"key":"/cairn/auth/enabled"}}]}"""),
            ("POST", "/v1/txn", """{"success":[{"delete":{"key":"/cairn/","prefix":true}}]}"""),
            ("POST", "/v1/txn", """{"success":[{"delete":{"key":"","fromKey":true}}]}"""),
            ("GET", "/v1/kv//cairn/auth/users/root", null),

            // Nor, without a grant that names '/cairn/', the modules' own keys: a grant of every key stops short of them.
            ("GET", "/v1/kv//cairn/nodes/?prefix=true", null),
            ("GET", "/v1/kv?prefix=/cairn/", null),
            ("GET", "/v1/kv", null),
            ("PUT", $"/v1/kv//cairn/nodes/evil-{id}", "{}"),
            ("DELETE", "/v1/kv//cairn/nodes/?prefix=true", null),
            ("POST", "/v1/txn", """{"success":[{"range":{"key":"/cairn/nodes/","prefix":true}}]}"""),
            ("GET", "/v1/watch?key=&prefix=true", null),
            ("GET", "/v1/watch?key=/cairn/nodes/&prefix=true", null),
            ("GET", "/v1/watch?key=/&fromKey=true", null),
        };

        var failures = new List<string>();
        foreach (var (method, target, body) in attempts)
        {
            var answer = await AttackHttp.SendRawAsync(admin, method, target, body, method == "POST" ? "application/json" : "text/plain");
            if (answer.Status != 403)
            {
                failures.Add(answer.ToString());
            }
        }

        Assert.True(failures.Count == 0, $"a user with kv * on every key ({server.Backend}) was not refused:\n" + string.Join('\n', failures));
        Assert.False(await KvExistsAsync($"/cairn/nodes/evil-{id}"));

        // Auth is still on, the user is still no root, and root's record is intact.
        var status = await AuthApi.StatusAsync(admin);
        Assert.True(status.Enabled, "auth was switched off through the kv API");
        Assert.Equal([role], status.Roles);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(root, "/v1/auth/users/evil"));
        Assert.True(await KvExistsAsync(SecureServer.SecretKey));
        AttackHttp.AssertRefused(await AttackHttp.SendAsync(admin, "GET", "/v1/admin/status"), Who.WriterA, "the kv admin's admin:status");
    }

    [Fact]
    public async Task JobTypesOutsideTheGrant_AreRefused_AlsoByClimbingOutOfIt()
    {
        using var writer = server.Http(Who.WriterA);
        var own = await AttackHttp.SendAsync(writer, "POST", "/v1/jobs", """{"type":"script:a/mark.sh"}""");
        Assert.True(own.Status == 201, $"writer-a launches a job of its own type: {own}");

        foreach (var type in new[] { "script:b/other.sh", "script:a/../b/other.sh", "script:a/./../b/other.sh", "script:a//b/other.sh", "script:/b/other.sh", "pulzar:b/other", "cairn.noop", "script:A/../b/other.sh" })
        {
            var before = await JobCountAsync();
            var answer = await AttackHttp.SendAsync(writer, "POST", "/v1/jobs", $$"""{"type":{{System.Text.Json.JsonSerializer.Serialize(type)}}}""");
            Assert.True(answer.Status is 400 or 403 or 404, $"writer-a launching {type}: {answer}");
            Assert.Equal(before, await JobCountAsync());
        }

        foreach (var (method, path) in new[] { ("POST", $"/v1/jobs/{server.SecretJob}/cancel"), ("DELETE", $"/v1/jobs/{server.SecretJob}"), ("POST", $"/v1/jobs/{server.SecretJob}/retry"), ("GET", $"/v1/jobs/{server.SecretJob}"), ("GET", $"/v1/jobs/{server.SecretJob}/log") })
        {
            var answer = await AttackHttp.SendAsync(writer, method, path);
            AttackHttp.AssertRefused(answer, Who.WriterA, $"writer-a's {method} of b's job");
        }

        // Through the Pulzar API too.
        using var pulzar = server.Http(Who.WriterA, "pulzar");
        foreach (var path in new[] { "/launch_job/b/other", "/launch_job/a/../b/other", "/cancel_job/" + server.SecretJob })
        {
            var answer = await AttackHttp.SendRawAsync(pulzar, "POST", path, "{}", "application/json");
            Assert.True(answer.Status is 400 or 403 or 404, $"writer-a on the Pulzar API: {answer}");
        }

        using var root = server.Http(Who.Root);
        var job = await AttackHttp.SendAsync(root, "GET", $"/v1/jobs/{server.SecretJob}");
        Assert.Contains("\"enqueued\"", job.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListingsOfEveryModule_CarryNothingTheCallerMayNotRead()
    {
        using var writer = server.Http(Who.WriterA);
        foreach (var path in new[] { "/v1/journal", "/v1/runs", "/v1/pools", "/v1/carts", "/v1/jobs", "/v1/jobs?type=script:b/other.sh", "/v1/leases?keys=true", $"/v1/leases/{server.SeededLease}?keys=true", "/v1/blobs", "/v1/kv?prefix=a", "/v1/jobs/recurring" })
        {
            var answer = await AttackHttp.SendAsync(writer, "GET", path);
            Assert.True(answer.Status is 403 or (>= 200 and < 300), $"writer-a lists {path}: {answer}");
            if (answer.Status < 300)
            {
                foreach (var secret in new[] { SecureServer.SecretName, SecureServer.SecretValue, "b/secret", "b/other.sh", "secret-member", "secret-owner" })
                {
                    Assert.False(answer.Body.Contains(secret, StringComparison.Ordinal), $"writer-a's listing {path} shows {secret}: {answer}");
                }
            }
        }

        foreach (var path in new[] { $"/v1/journal/{SecureServer.SecretName}", $"/v1/runs/{SecureServer.SecretName}", $"/v1/pools/{SecureServer.SecretName}", $"/v1/locks/{SecureServer.SecretName}", $"/v1/carts/{SecureServer.SecretName}", $"/v1/journal/{SecureServer.SecretName}/status", $"/compat/journal/status/{SecureServer.SecretName}", $"/v1/runs/{SecureServer.SecretName}/params" })
        {
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(writer, "GET", path), Who.WriterA, $"writer-a's read of {path}");
        }

        foreach (var path in new[] { $"/v1/journal/{SecureServer.SecretName}/events", $"/v1/runs/{SecureServer.SecretName}/events", $"/v1/pools/{SecureServer.SecretName}/events", $"/v1/carts/{SecureServer.SecretName}/events", $"/v1/jobs/{server.SecretJob}/events" })
        {
            AttackHttp.AssertRefused(await AttackHttp.SendAsync(writer, "GET", path, stream: true), Who.WriterA, $"writer-a's stream {path}");
        }
    }

    private async Task<int> JobCountAsync()
    {
        using var root = server.Http(Who.Root);
        var list = await AttackHttp.SendAsync(root, "GET", "/v1/jobs?limit=1000");
        Assert.True(list.Status == 200, $"root's job list: {list}");
        return System.Text.Json.JsonDocument.Parse(list.Body).RootElement.GetProperty("jobs").GetArrayLength();
    }
}
