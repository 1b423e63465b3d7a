using System.Globalization;
using System.Text.RegularExpressions;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// A representative write and read request of every route family — kv, txn, watch (SSE and WebSocket), leases, blobs,
/// journal native and compat (on the main listener and the journal's own), Pulzar compat (both), extensions, jobs,
/// runs (native and compat), pools, locks and elections, carts (native and cartd), admin (users, compaction, status),
/// snapshot, and the internal volume reads — for the matrix of <see cref="AttackMatrixTests"/>. Writes name things under
/// <c>a</c> with the test's <c>{id}</c>, so root can tell afterwards whether anything was written.
/// </summary>
internal static partial class AttackRoutes
{
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly string Cart = """{"fileids":[{"id":"foo.txt","path":"1/foo.txt"}]}""";

    // cartd's schema wants each file's hash: the md5 of the archive's foo.txt (SecureServer.ArchivedFile).
#pragma warning disable CA5351 // md5 is the hash the seed's clients send; it checks content, not secrets
    private static readonly string CartdCart = $$"""{"fileids":[{"id":"foo.txt","path":"1/foo.txt","hashtype":"md5","hashsum":"{{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(SecureServer.ArchivedFile)))}}"}]}""";
#pragma warning restore CA5351

    /// <summary>Requests that change something, each with its probe.</summary>
    public static IReadOnlyList<AttackRequest> Writes { get; } =
    [
        Write("kv", "main", "PUT", "/v1/kv/a/m-{id}", "value", "text/plain", Exists("/v1/kv/a/m-{id}")),
        Write("kv", "main", "DELETE", "/v1/kv/a/d-{id}", null, "text/plain", Gone("/v1/kv/a/d-{id}")) with { Setup = ("PUT", "/v1/kv/a/d-{id}", "to delete") },
        Write("txn", "main", "POST", "/v1/txn", """{"success":[{"put":{"key":"a/t-{id}","text":"v"}}]}""", "application/json", Exists("/v1/kv/a/t-{id}")),
        Write("leases", "main", "POST", "/v1/leases", """{"ttl":600,"id":{leaseid}}""", "application/json", Exists("/v1/leases/{leaseid}")),
        Write("blobs", "main", "PUT", "/v1/blobs/a/m-{id}.txt", "blob", "text/plain", Exists("/v1/blobs/a/m-{id}.txt")),
        Write("journal", "main", "POST", "/v1/journal/a-m-{id}/begin", """{"user_id":"attacker"}""", "application/json", Exists("/v1/journal/a-m-{id}")),
        Write("journal-compat", "main", "POST", "/compat/journal/a-c-{id}/begin", """{"user_id":"attacker"}""", "application/json", Exists("/v1/journal/a-c-{id}")),
        Write("journal-compat", "journal-tcp", "POST", "/a-t-{id}/begin", """{"user_id":"attacker"}""", "application/json", Exists("/v1/journal/a-t-{id}")),
        Write("journal-compat", "journal-unix", "POST", "/a-u-{id}/begin", """{"user_id":"attacker"}""", "application/json", Exists("/v1/journal/a-u-{id}")),
        Write("pulzar", "main", "PUT", "/compat/pulzar/add_key/a/p-{id}", "blob", "text/plain", Exists("/v1/blobs/a/p-{id}")),
        Write("pulzar", "pulzar", "PUT", "/add_key/a/q-{id}", "blob", "text/plain", Exists("/v1/blobs/a/q-{id}")),
        Write("pulzar", "pulzar", "DELETE", "/delete_key/a/d-{id}", null, "text/plain", Gone("/v1/blobs/a/d-{id}")) with { Setup = ("PUT", "/v1/blobs/a/d-{id}", "to delete") },
        Write("extensions", "main", "GET", "/v1/extensions/echo/m-{id}", null, "text/plain", new AttackProbe(ProbeKind.Called, Text: "m-{id}")),
        Write("extensions", "pulzar", "GET", "/third_party/echo/p-{id}", null, "text/plain", new AttackProbe(ProbeKind.Called, Text: "p-{id}")),
        Write("jobs", "main", "POST", "/v1/jobs", """{"type":"script:a/mark.sh","args":{"m":"j-{id}"}}""", "application/json", Contains("/v1/jobs", "j-{id}")),
        Write("jobs", "main", "POST", "/v1/jobs/{job}/cancel", null, "application/json", Contains("/v1/jobs/{job}", "\"cancelled\"")),
        Write("runs", "main", "POST", "/v1/runs", """{"id":"a-m-{id}","topology":{"node1":[1]}}""", "application/json", Exists("/v1/runs/a-m-{id}")),
        Write("runs-compat", "runs-unix", "POST", "/runs", """{"id":"a-r-{id}","topology":{"node1":[1]}}""", "application/json", Exists("/v1/runs/a-r-{id}")),
        Write("runs-compat", "main", "POST", "/compat/runs/runs", "id=a-s-{id}&topology=%7B%22node1%22%3A%5B1%5D%7D", Form, Exists("/v1/runs/a-s-{id}")),
        Write("pools", "main", "POST", "/v1/pools/a-m-{id}/members", """{"lease":{lease},"name":"member-{id}"}""", "application/json", Contains("/v1/pools/a-m-{id}", "member-{id}")),
        Write("locks", "main", "POST", "/v1/locks/a-m-{id}", """{"lease":{lease},"owner":"o-{id}","waitSeconds":0}""", "application/json", Contains("/v1/locks/a-m-{id}", "o-{id}")),
        Write("locks", "main", "POST", "/v1/elections/a-m-{id}/campaign", """{"lease":{lease},"value":"v-{id}","waitSeconds":0}""", "application/json", Contains("/v1/elections/a-m-{id}", "v-{id}")),
        Write("carts", "main", "POST", "/v1/carts/a-m-{id}", Cart, "application/json", Exists("/v1/carts/a-m-{id}")),
        Write("carts-compat", "cartd", "POST", "/a-d-{id}", CartdCart, "application/json", Exists("/v1/carts/a-d-{id}")),
        Write("admin", "main", "POST", "/v1/auth/users", """{"name":"m-{id}","password":"p-{id}","roles":["root"]}""", "application/json", Exists("/v1/auth/users/m-{id}")),
        Write("admin", "main", "POST", "/v1/compact", """{"revision":{rev}}""", "application/json", new AttackProbe(ProbeKind.Compacted)),
    ];

    /// <summary>Requests that only read.</summary>
    public static IReadOnlyList<AttackRequest> Reads { get; } =
    [
        Read("kv", "main", "GET", "/v1/kv/" + SecureServer.SeededKey),
        Read("kv", "main", "GET", "/v1/kv?prefix=a/"),
        Read("kv", "main-unix", "GET", "/v1/kv/" + SecureServer.SeededKey),
        Read("txn", "main", "POST", "/v1/txn", """{"success":[{"range":{"key":"a/seeded"}}]}"""),
        Read("watch", "main", "GET", "/v1/watch?key=a/seeded", shape: AttackShape.Stream),
        Read("watch", "main", "GET", "/v1/watch", shape: AttackShape.WebSocket),
        Read("leases", "main", "GET", "/v1/leases/{lease}"),
        Read("leases", "main", "GET", "/v1/leases"),
        Read("blobs", "main", "GET", "/v1/blobs/" + SecureServer.SeededBlob),
        Read("blobs", "main", "GET", "/v1/blobs?prefix=a/"),
        Read("journal", "main", "GET", "/v1/journal/" + SecureServer.SeededName),
        Read("journal", "main", "GET", "/v1/journal/" + SecureServer.SeededName + "/events", shape: AttackShape.Stream),
        Read("journal-compat", "main", "GET", "/compat/journal/status/" + SecureServer.SeededName),
        Read("journal-compat", "journal-tcp", "GET", "/status/" + SecureServer.SeededName),
        Read("journal-compat", "journal-unix", "GET", "/status/" + SecureServer.SeededName),
        Read("pulzar", "main", "GET", "/compat/pulzar/get_key/" + SecureServer.SeededBlob),
        Read("pulzar", "pulzar", "GET", "/get_key/" + SecureServer.SeededBlob),
        Read("pulzar", "pulzar", "GET", "/third_party/search/seeded"),
        Read("pulzar", "pulzar", "GET", "/admin/network"),
        Read("jobs", "main", "GET", "/v1/jobs/{job}"),
        Read("jobs", "main", "GET", "/v1/jobs"),
        Read("runs", "main", "GET", "/v1/runs/" + SecureServer.SeededName),
        Read("runs", "main", "GET", "/v1/runs/" + SecureServer.SeededName + "/events", shape: AttackShape.Stream),
        Read("runs-compat", "runs-unix", "GET", "/runs/" + SecureServer.SeededName + "/state"),
        Read("pools", "main", "GET", "/v1/pools/" + SecureServer.SeededName),
        Read("pools", "main", "GET", "/v1/pools/" + SecureServer.SeededName + "/events", shape: AttackShape.Stream),
        Read("locks", "main", "GET", "/v1/locks/" + SecureServer.SeededName),
        Read("carts", "main", "GET", "/v1/carts/" + SecureServer.SeededName),
        Read("carts-compat", "cartd", "HEAD", "/" + SecureServer.SeededName),
        Read("admin", "main", "GET", "/v1/admin/status"),
        Read("admin", "main", "GET", "/v1/admin/network"),
        Read("admin", "main", "GET", "/v1/status") with { AnyUser = true },
        Read("admin", "main", "GET", "/v1/cluster/nodes"),
        Read("admin", "main", "GET", "/metrics"),
        Read("admin", "main", "GET", "/v1/auth/users"),
        Read("snapshot", "main", "GET", "/v1/admin/snapshot", shape: AttackShape.Stream),
        Read("internal", "main", "GET", "/v1/internal/volumes/{volume}/{blob}"),
    ];

    /// <summary>Fills the placeholders of <paramref name="text"/> from <paramref name="values"/>.</summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new ArgumentException($"No value for {{{m.Groups[1].Value}}} in '{text}'."));

    /// <summary>The placeholders' values for one test on <paramref name="server"/>.</summary>
    public static Dictionary<string, string> Values(SecureServer server, long revision) => new(StringComparer.Ordinal)
    {
        ["id"] = Guid.NewGuid().ToString("N")[..12],
        ["lease"] = server.SeededLease.ToString(CultureInfo.InvariantCulture),
        ["job"] = server.SeededJob.ToString(CultureInfo.InvariantCulture),
        ["volume"] = server.SeededVolumeFile.Volume,
        ["blob"] = server.SeededVolumeFile.Blob,
        ["leaseid"] = Random.Shared.NextInt64(1L << 40, 1L << 50).ToString(CultureInfo.InvariantCulture),
        ["rev"] = revision.ToString(CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();

    private static AttackRequest Write(string family, string listener, string method, string path, string? body, string contentType, AttackProbe written) =>
        new(family, listener, method, path, body, contentType) { Written = written };

    private static AttackRequest Read(string family, string listener, string method, string path, string? body = null, AttackShape shape = AttackShape.Plain) =>
        new(family, listener, method, path, body, "application/json", shape);

    private static AttackProbe Exists(string path) => new(ProbeKind.Exists, path);

    private static AttackProbe Gone(string path) => new(ProbeKind.Gone, path);

    private static AttackProbe Contains(string path, string text) => new(ProbeKind.Contains, path, text);
}
