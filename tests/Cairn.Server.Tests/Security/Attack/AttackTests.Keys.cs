namespace Cairn.Server.Tests.Security.Attack;

public abstract partial class AttackTests
{
    [Fact]
    public async Task ATxnWhoseCompareReadsAForbiddenKey_Is403_AndWritesNothing()
    {
        // writer-a may write both branches' keys; which branch ran would tell it the secret.
        var id = NewId();
        using var writer = server.Http(Who.WriterA);
        var answer = await AttackHttp.SendAsync(writer, "POST", "/v1/txn", $$$"""
            {"compare":[{"key":"{{{SecureServer.SecretKey}}}","target":"value","result":"equal","text":"{{{SecureServer.SecretValue}}}"}],
             "success":[{"put":{"key":"a/yes-{{{id}}}","text":"1"}}],
             "failure":[{"put":{"key":"a/no-{{{id}}}","text":"1"}}]}
            """);

        AttackHttp.AssertRefused(answer, Who.WriterA, "a txn comparing a forbidden key");
        Assert.False(await KvExistsAsync($"a/yes-{id}"));
        Assert.False(await KvExistsAsync($"a/no-{id}"));

        // The same txn on keys it may read goes through: the refusal was the compare's.
        var allowed = await AttackHttp.SendAsync(writer, "POST", "/v1/txn", $$$"""
            {"compare":[{"key":"{{{SecureServer.SeededKey}}}","target":"version","result":"greater","number":0}],
             "success":[{"put":{"key":"a/yes-{{{id}}}","text":"1"}}]}
            """);
        Assert.True(allowed.Status == 200, $"a txn on writer-a's own keys: {allowed}");
        Assert.True(await KvExistsAsync($"a/yes-{id}"));
    }

    [Theory]
    [InlineData("""{"put":{"key":"b/else-{id}","text":"1"}}""")]
    [InlineData("""{"delete":{"key":"b/secret"}}""")]
    [InlineData("""{"range":{"key":"b/secret"}}""")]
    [InlineData("""{"delete":{"key":"a/","prefix":false,"end":"c/"}}""")]
    public async Task ATxnWithAForbiddenOpInTheBranchThatWouldNotRun_Is403_AndWritesNothing(string failureOp)
    {
        var id = NewId();
        using var writer = server.Http(Who.WriterA);
        var failure = failureOp.Replace("{id}", id, StringComparison.Ordinal);
        var answer = await AttackHttp.SendAsync(writer, "POST", "/v1/txn", $$$"""
            {"compare":[{"key":"{{{SecureServer.SeededKey}}}","target":"version","result":"greater","number":0}],
             "success":[{"put":{"key":"a/then-{{{id}}}","text":"1"}}],
             "failure":[{{{failure}}}]}
            """);

        AttackHttp.AssertRefused(answer, Who.WriterA, "a txn with a forbidden op in its else branch");
        Assert.DoesNotContain(SecureServer.SecretValue, answer.Body, StringComparison.Ordinal);
        Assert.False(await KvExistsAsync($"a/then-{id}"));
        Assert.False(await KvExistsAsync($"b/else-{id}"));
        Assert.True(await KvExistsAsync(SecureServer.SecretKey));
    }

    [Fact]
    public async Task AuthKeys_AreUnreadableToReader_ByGetListTxnOrWatch_ButRootsOnes()
    {
        using var reader = server.Http(Who.Reader);
        var attempts = new (string Method, string Target, string? Body)[]
        {
            ("GET", "/v1/kv//cairn/auth/enabled", null),
            ("GET", "/v1/kv//cairn/auth/users/root", null),
            ("GET", "/v1/kv/%2Fcairn%2Fauth%2Fusers%2Froot", null),
            ("GET", "/v1/kv?prefix=/cairn/auth/", null),
            ("GET", "/v1/kv?prefix=/cairn/auth/&keysOnly=true", null),
            ("GET", "/v1/kv?prefix=/cairn/auth/&countOnly=true", null),
            ("GET", "/v1/kv?prefix=/cairn/", null),
            ("GET", "/v1/kv?prefix=/", null),
            ("GET", "/v1/kv", null),
            ("GET", "/v1/kv?from=/cairn/auth/&to=/cairn/auth0", null),
            ("GET", "/v1/kv?from=", null),
            ("GET", "/v1/kv//cairn/auth/?prefix=true", null),
            ("POST", "/v1/txn", """{"success":[{"range":{"key":"/cairn/auth/users/root"}}]}"""),
            ("POST", "/v1/txn", """{"success":[{"range":{"key":"/cairn/auth/","prefix":true}}]}"""),
            ("POST", "/v1/txn", """{"success":[{"range":{"key":"","fromKey":true}}]}"""),
            ("POST", "/v1/txn", """{"compare":[{"key":"/cairn/auth/enabled","target":"version","result":"greater","number":0}],"success":[{"range":{"key":"a/seeded"}}]}"""),
            ("GET", "/v1/watch?key=/cairn/auth/&prefix=true", null),
            ("GET", "/v1/watch?key=/cairn/auth/enabled", null),
            ("GET", "/v1/watch?key=&prefix=true", null),
            ("GET", "/v1/watch?key=/&fromKey=true", null),
        };

        foreach (var (method, target, body) in attempts)
        {
            var answer = await AttackHttp.SendRawAsync(reader, method, target, body, "application/json");
            Assert.False(answer.Status is >= 200 and < 300 && answer.Body.Contains("cairn/auth", StringComparison.Ordinal), $"reader reached the auth keys: {answer}");
            Assert.False(answer.Body.Contains("$2", StringComparison.Ordinal), $"reader saw a password hash: {answer}");
            Assert.True(answer.Status is 403 or (>= 200 and < 300), $"reader's {method} {target}: expected 403 (or an answer without the auth keys), got {answer}");
            if (method == "GET" && target.StartsWith("/v1/watch", StringComparison.Ordinal))
            {
                // A watch's events are not in its first answer: one that covers the auth keys must be refused outright.
                Assert.True(answer.Status == 403, $"a watch covering /cairn/auth/ is refused, as etcd refuses a watch on a range the caller may read only partly: {answer}");
            }
        }

        using var root = server.Http(Who.Root);
        var rootList = await AttackHttp.SendAsync(root, "GET", "/v1/kv?prefix=/cairn/auth/users/&keysOnly=true");
        Assert.True(rootList.Status == 200 && rootList.Body.Contains("/cairn/auth/users/root", StringComparison.Ordinal), $"root lists the auth keys: {rootList}");
    }

    [Fact]
    public async Task PathTricks_NeverReachWhatTheRouteWouldRefuse()
    {
        var id = NewId();
        var attempts = new (Who Who, string Listener, string Method, string Target)[]
        {
            (Who.Reader, "main", "GET", "/v1/kv/%2e%2e/cairn/auth/enabled"),
            (Who.Reader, "main", "GET", "/v1/kv/%2E%2E%2Fcairn%2Fauth%2Fenabled"),
            (Who.Reader, "main", "GET", "/v1/kv/a/../../cairn/auth/enabled"),
            (Who.WriterA, "main", "GET", "//v1/kv/" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/v1//kv/" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/V1/kv/" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/V1/KV/" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/v1/KV/a/seeded"),
            (Who.WriterA, "main", "GET", "/V1/kv/a/seeded?prefix=true"),
            (Who.WriterA, "main", "GET", "/v1/kv/a/%2e%2e/" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/v1/kv/a/..%2F" + SecureServer.SecretKey),
            (Who.WriterA, "main", "GET", "/v1/kv/a/x?prefix=b/"),
            (Who.WriterA, "main", "GET", "/v1/kv/a/?prefix=b/"),
            (Who.WriterA, "main", "GET", "/v1/kv?from=b/&to=c/"),
            (Who.WriterA, "main", "GET", "/v1/kv?prefix=b"),
            (Who.WriterA, "main", "GET", "/v1/kv?prefix=a&after=a/zzz"),
            (Who.WriterA, "main", "GET", "/v1/kv/a?prefix=true"),
            (Who.WriterA, "main", "GET", "/v1/kv"),
            (Who.WriterA, "main", "GET", "/v1/blobs?prefix=b/"),
            (Who.WriterA, "main", "GET", "/v1/blobs"),
            (Who.WriterA, "main", "GET", "/v1/blobs?q=secret"),
            (Who.WriterA, "main", "GET", "/v1/blobs/a/..%2Fb/secret.txt"),
            (Who.WriterA, "main", "GET", "/v1/blobs/a%2F..%2Fb%2Fsecret.txt"),
            (Who.WriterA, "main", "GET", "/V1/blobs/b/secret.txt"),
            (Who.WriterA, "main", "GET", "/compat/pulzar/get_key/b/secret.txt"),
            (Who.WriterA, "main", "GET", "/compat/pulzar/third_party/search/secret"),
            (Who.WriterA, "main", "GET", "/COMPAT/PULZAR/get_key/b/secret.txt"),
            (Who.WriterA, "pulzar", "GET", "/get_key/b/secret.txt"),
            (Who.WriterA, "pulzar", "GET", "/third_party/search/secret"),
            (Who.WriterA, "pulzar", "GET", "//get_key/b/secret.txt"),
            (Who.Anonymous, "main", "GET", "/V1/kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/v1/kv/a/seeded/"),
            (Who.Anonymous, "main", "GET", "/v1/kv/a/seeded;x=y"),
            (Who.Anonymous, "main", "GET", "/v1/./kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/compat/pulzar/../v1/kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/get_key/a/seeded.bin"),
            (Who.Anonymous, "main", "GET", "/status/a-seeded"),
            (Who.Anonymous, "main", "GET", "/runs/a-seeded/state"),
            (Who.Anonymous, "main", "HEAD", "/a-seeded"),
            (Who.Anonymous, "main", "GET", "/livez/../v1/kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/readyz/%2e%2e/v1/kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/v1/auth/status/../../v1/kv/a/seeded"),
            (Who.Anonymous, "main", "GET", "/v1/auth/login/%2e%2e/%2e%2e/kv/a/seeded"),
            (Who.Anonymous, "pulzar", "GET", "/compat/pulzar/get_key/a/seeded.bin"),
            (Who.Anonymous, "journal-tcp", "GET", "/compat/journal/status/a-seeded"),
            (Who.Anonymous, "journal-tcp", "GET", "/v1/journal/a-seeded"),
            (Who.Anonymous, "cartd", "GET", "/v1/carts/a-seeded"),
        };

        var failures = new List<string>();
        foreach (var (who, listener, method, target) in attempts)
        {
            using var http = server.Http(who, listener);
            var answer = await AttackHttp.SendRawAsync(http, method, target);
            // A refusal echoes the path it refused (a problem's instance): what counts is what a success carries.
            string[] forbidden = who == Who.Reader ? ["cairn/auth", "$2"] : ["b/secret", "cairn/auth"];
            var got = answer.Status is >= 200 and < 300;
            if ((who == Who.Anonymous && got) || (got && forbidden.Any(f => answer.Body.Contains(f, StringComparison.Ordinal))) || answer.Body.Contains(SecureServer.SecretValue, StringComparison.Ordinal))
            {
                failures.Add($"{who} on {listener}: {answer}");
            }
        }

        // Writes and deletes by the same tricks. A key writer-a may not touch, next to its own: ab-… (under prefix "a",
        // not "a/").
        await PutAsRootAsync($"ab-{id}", "not writer-a's");
        var writes = new (Who Who, string Method, string Target, string Key)[]
        {
            (Who.Anonymous, "PUT", $"//v1/kv/a/trick-{id}", $"a/trick-{id}"),
            (Who.Anonymous, "PUT", $"/V1/KV/a/trick-{id}", $"a/trick-{id}"),
            (Who.Anonymous, "PUT", $"/v1/kv/a/trick-{id}/", $"a/trick-{id}/"),
            (Who.WriterA, "PUT", $"/v1/kv/a/%2e%2e/b/trick-{id}", $"b/trick-{id}"),
            (Who.WriterA, "PUT", $"/v1/kv/a/../b/trick-{id}", $"b/trick-{id}"),
            (Who.WriterA, "PUT", $"/V1/kv/b/trick-{id}", $"b/trick-{id}"),
            (Who.WriterA, "PUT", $"/v1/kv/a%2F..%2Fb%2Ftrick-{id}", $"b/trick-{id}"),
            (Who.WriterA, "DELETE", "/V1/kv/" + SecureServer.SecretKey, SecureServer.SecretKey),
            (Who.WriterA, "DELETE", "/v1/kv/a/../" + SecureServer.SecretKey, SecureServer.SecretKey),
            (Who.WriterA, "DELETE", "/v1/kv/a?prefix=true", $"ab-{id}"),
            (Who.WriterA, "DELETE", $"/V1/kv/a/trick-{id}?prefix=true", $"ab-{id}"),
            (Who.WriterA, "DELETE", $"/V1/kv/a/trick-{id}?prefix=true", SecureServer.SecretKey),
        };
        foreach (var (who, method, target, key) in writes)
        {
            var existed = await KvExistsAsync(key);
            using var http = server.Http(who);
            var answer = await AttackHttp.SendRawAsync(http, method, target, method == "PUT" ? "trick" : null);
            var exists = await KvExistsAsync(key);
            if (existed != exists)
            {
                failures.Add($"{who}: {answer} — and {key} {(exists ? "was written" : "was deleted")}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} path tricks got through ({server.Backend}):\n" + string.Join('\n', failures));
    }
}
