using FsCheck;
using FsCheck.Fluent;
using static Cairn.Server.Tests.FuzzInputs;

namespace Cairn.Server.Tests;

/// <summary>
/// Every route of the server, grouped in families, each with a generator of hostile requests: the right methods mostly
/// (and now and then any other), names from <see cref="FuzzInputs.NamePath"/>, the query parameters the route reads plus
/// others, the headers it looks at, and bodies of its shape or junk.
/// </summary>
internal static class FuzzRoutes
{
    private static readonly string[] AnyMethod = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];

    private static readonly Gen<string> Node = Gen.Frequency((3, Name), (1, Gen.Elements("node-1", "local")));

    private static readonly Gen<string> LeaseId = Gen.Frequency((3, Name), (2, Gen.Elements("1", "2", "0", "-1", "01", "+1", "%201", "1.0", "1e3", "9223372036854775807", "9223372036854775808")));

    private static readonly Gen<string> ExtensionName = Gen.Frequency((3, Gen.Elements("example", "search", "wordcount", "missing")), (2, Name));

    // Job ids and names as a client might send them, well-formed or not; types that run (cairn.noop), that are missing
    // scripts, and that try to leave the scripts directory. The fuzz server runs no workers (Jobs:Workers=0), so an
    // accepted job stays enqueued and nothing writes behind the generator's back.
    private static readonly Gen<string> JobId = Gen.Frequency((3, Gen.Elements("1", "2", "3", "0", "-1", "99999999", "9223372036854775808")), (1, Name));

    private static readonly Gen<string> JobType = Gen.Frequency(
        (3, Gen.Elements("\"cairn.noop\"", "\"script:missing.sh\"", "\"script:../etc/passwd\"", "\"pulzar:example/x\"", "\"script:a;id\"", "\"\"")),
        (1, JsonValue));

    /// <summary>The families, in the order they run.</summary>
    public static IReadOnlyList<FuzzFamily> All { get; } =
    [
        new("kv", ["/v1/kv", "/v1/kv/{**key}"], Kv()),
        new("txn", ["/v1/txn"], Txn()),
        new("leases", ["/v1/leases", "/v1/leases/{id}", "/v1/leases/{id}/keepalive"], Leases()),
        new("watch", ["/v1/watch", "/v1/journal/{txid}/events"], Watch()),
        new("status", ["/v1/status", "/healthz", "/readyz", "/v1/compact", "/v1/cluster/nodes", "/metrics", "/openapi/{documentName}.json"], Status()),
        new("blobs", ["/v1/blobs", "/v1/blobs/{**key}", "/v1/internal/volumes/{volumeId}/{blobId}"], Blobs()),
        new("admin", ["/v1/admin/status", "/v1/admin/network", "/v1/admin/network/{node}", "/v1/admin/volumes/rebuild", "/v1/admin/snapshot", "/v1/admin/journal/export"], Admin()),
        new("journal", ["/v1/journal", "/v1/journal/{txid}", "/v1/journal/{txid}/status", "/v1/journal/{txid}/{step}"], Journal()),
        new("extensions", ["/v1/extensions/{**rest}"], Extensions()),
        new("compat-journal", ["/compat/journal/{txid}/{step}", "/compat/journal/status/{txid}", "/compat/journal/{**rest}"], CompatJournal()),
        new("compat-pulzar", ["/compat/pulzar/{**rest}"], CompatPulzar()),
        new("jobs", [
            "/v1/jobs", "/v1/jobs/{id:long}", "/v1/jobs/{id:long}/cancel", "/v1/jobs/{id:long}/retry", "/v1/jobs/{id:long}/log",
            "/v1/jobs/{id:long}/events", "/v1/jobs/recurring", "/v1/jobs/recurring/{name}", "/v1/jobs/recurring/{name}/trigger",
            "/v1/jobs/claim", "/v1/jobs/{id:long}/heartbeat", "/v1/jobs/{id:long}/complete",
        ], Jobs()),
    ];

    private static Gen<FuzzRequest> Kv() => Request(
        Methods("GET", "PUT", "DELETE"),
        Target(Gen.Frequency((8, NamePath.Select(p => "/v1/kv/" + p)), (2, Gen.Elements("/v1/kv", "/v1/kv/"))), "prefix", "from", "to", "after", "limit", "revision", "keysOnly", "countOnly", "prevKv", "lease", "ttl", "format"),
        Headers("If-Match", "If-None-Match", "Accept"),
        Body(Gen.Elements("v", "value", "{}", "")));

    private static Gen<FuzzRequest> Txn()
    {
        var key = Gen.Frequency((3, Gen.Elements("\"a\"", "\"k1\"", "\"dir/x\"")), (2, JsonValue));
        var field = Gen.Frequency((4, key), (3, JsonValue));
        var compare = JsonObject(Gen.Frequency((2, field), (1, Gen.Elements("\"version\"", "\"modRevision\"", "\"equal\"", "\"greater\""))), "key", "target", "result", "number", "value", "text");
        var op = Gen.Frequency(
            (3, JsonObject(field, "key", "value", "text", "prevKv", "lease").Select(o => "{\"put\":" + o + "}")),
            (3, JsonObject(field, "key", "prefix", "end", "fromKey", "revision", "limit", "keysOnly", "countOnly").Select(o => "{\"range\":" + o + "}")),
            (2, JsonObject(field, "key", "prefix", "end", "fromKey", "prevKvs").Select(o => "{\"delete\":" + o + "}")),
            (1, JsonObject(JsonObject(field, "key", "text"), "put", "range", "delete")),
            (1, JsonValue));
        Gen<string> ListOf(Gen<string> item) => Gen.Frequency(
            (6, Gen.Choose(0, 3).SelectMany(n => item.ListOf(n)).Select(items => "[" + string.Join(',', items) + "]")),
            (1, Gen.Constant("[" + string.Join(',', Enumerable.Range(0, 129).Select(i => $"{{\"put\":{{\"key\":\"ops/{i}\",\"text\":\"x\"}}}}")) + "]")),
            (1, JsonValue));
        var txn = ListOf(compare).SelectMany(c => ListOf(op), (c, s) => (c, s)).SelectMany(cs => ListOf(op), (cs, f) => (cs.c, cs.s, f))
            .SelectMany(parts => Gen.SubListOf(new[] { "\"compare\":" + parts.c, "\"success\":" + parts.s, "\"failure\":" + parts.f, "\"other\":1" }), (_, chosen) => "{" + string.Join(',', chosen) + "}");
        return Request(Methods("POST"), Target(Gen.Constant("/v1/txn")), Headers("Accept"), Body(txn), JsonMostly());
    }

    private static Gen<FuzzRequest> Leases() => Gen.Frequency(
        (4, Request(Methods("POST"), Target(Gen.Constant("/v1/leases")), Headers(), Body(JsonObject(Gen.Frequency((3, Gen.Elements("1", "10", "60", "0", "-1", "315360000", "316224001")), (2, JsonValue)), "ttl", "id")), JsonMostly())),
        (1, Request(Methods("GET"), Target(Gen.Constant("/v1/leases")), Headers(), NoBody())),
        (2, Request(Methods("GET", "DELETE"), Target(LeaseId.Select(id => "/v1/leases/" + id), "keys"), Headers(), NoBody())),
        (2, Request(Methods("POST"), Target(LeaseId.Select(id => "/v1/leases/" + id + "/keepalive")), Headers(), Body())));

    private static Gen<FuzzRequest> Watch() => Gen.Frequency(
        (3, Request(Methods("GET"), Target(Gen.Constant("/v1/watch"), "key", "prefix", "end", "fromKey", "fromRevision", "prevKv", "progress", "progressSeconds"), Headers("Last-Event-ID", "Accept"), NoBody())),
        (1, Request(Methods("GET"), Target(Name.Select(txid => $"/v1/journal/{txid}/events"), "fromRevision"), Headers("Last-Event-ID"), NoBody())));

    private static Gen<FuzzRequest> Status() => Gen.Frequency(
        (3, Request(Methods("POST"), Target(Gen.Constant("/v1/compact")), Headers(), Body(JsonObject(Gen.Frequency((2, Gen.Elements("0", "1", "2", "99999999")), (2, JsonValue)), "revision", "compactRevision")), JsonMostly())),
        (3, Request(Methods("GET"), Target(Gen.Elements("/v1/status", "/healthz", "/readyz", "/v1/cluster/nodes", "/v1/status/", "/v1/cluster/nodes/x"), "x"), Headers("Accept"), NoBody())),
        (1, Request(Methods("GET"), Target(Gen.Constant("/metrics")), Headers("Accept"), NoBody())),
        (1, Request(Methods("GET"), Target(Gen.Frequency((3, Gen.Constant("v1")), (1, Name)).Select(d => $"/openapi/{d}.json")), Headers(), NoBody())));

    private static Gen<FuzzRequest> Blobs()
    {
        var body = Body(Gen.Frequency((4, Gen.Elements("v", "blob body", "")), (1, Gen.Constant(new string('b', 20_000)))));
        return Gen.Frequency(
            (6, Request(Methods("GET", "HEAD", "PUT", "DELETE"), Target(NamePath.Select(p => "/v1/blobs/" + p), "ttl"), Headers("If-Match", "If-None-Match", "Range", "If-Range", "Accept"), body)),
            (2, Request(Methods("GET"), Target(Gen.Constant("/v1/blobs"), "prefix", "q", "eq", "lt", "gt", "limit", "start_after"), Headers(), NoBody())),
            (1, Request(Methods("GET"), Target(Name.SelectMany(v => Name, (v, b) => $"/v1/internal/volumes/{v}/{b}")), Headers("Range"), NoBody())));
    }

    private static Gen<FuzzRequest> Admin() => Gen.Frequency(
        (3, Request(Methods("GET"), Target(Gen.Elements("/v1/admin/status", "/v1/admin/network")), Headers(), NoBody())),
        (2, Request(Methods("GET"), Target(Node.Select(n => "/v1/admin/network/" + n)), Headers(), NoBody())),
        (4, Request(Methods("POST"), Target(Gen.Constant("/v1/admin/volumes/rebuild"), "dir"), Headers(), Body())),
        (4, Request(Methods("POST"), Target(Gen.Elements("/v1/admin/volumes/rebuild?dir=/", "/v1/admin/volumes/rebuild?dir=%2Ftmp%00", "/v1/admin/volumes/rebuild?dir=relative", "/v1/admin/volumes/rebuild?dir=..%2F..", "/v1/admin/volumes/rebuild?dir=" + new string('d', 5000))), Headers(), NoBody())),
        (1, Request(Methods("GET"), Target(Gen.Constant("/v1/admin/snapshot")), Headers(), NoBody())),
        (1, Request(Methods("POST"), Target(Gen.Constant("/v1/admin/journal/export")), Headers(), Body())));

    private static Gen<string> JournalMessage() => Gen.Frequency(
        (4, JsonObject(Gen.Frequency((3, Gen.Elements("\"t1\"", "\"h\"", "\"GET\"", "\"2024-06-13\"")), (2, JsonValue)), "transaction_id", "request_id", "host", "resource", "resourcegroup", "verb", "pk", "resourcepk", "date", "user_id", "authuser_id", "role", "cm")),
        (1, JsonValue));

    private static Gen<FuzzRequest> Journal() => Gen.Frequency(
        (5, Request(Methods("POST"), Target(Name.SelectMany(t => Name, (t, s) => $"/v1/journal/{t}/{s}")), Headers(), Body(JournalMessage()), JsonMostly())),
        (3, Request(Methods("GET"), Target(Gen.Constant("/v1/journal"), "state", "limit", "step", "user", "host", "resource", "verb", "from", "to", "after", "stuck"), Headers(), NoBody())),
        (2, Request(Methods("GET"), Target(Name.Select(t => "/v1/journal/" + t)), Headers(), NoBody())),
        (2, Request(Methods("GET"), Target(Name.Select(t => $"/v1/journal/{t}/status")), Headers(), NoBody())),
        (1, Request(Methods("GET", "POST"), Target(NamePath.Select(p => "/v1/journal/" + p)), Headers(), Body(JournalMessage()), JsonMostly())));

    private static Gen<FuzzRequest> Extensions() => Request(
        Methods("GET"),
        Target(Gen.Frequency((3, ExtensionName.SelectMany(n => NamePath, (n, p) => $"/v1/extensions/{n}/{p}")), (1, ExtensionName.Select(n => "/v1/extensions/" + n)), (1, Gen.Constant("/v1/extensions/"))), "q", "eq", "lt", "gt", "x"),
        Headers(),
        NoBody());

    private static Gen<FuzzRequest> CompatJournal() => Gen.Frequency(
        (5, Request(Methods("POST"), Target(Name.SelectMany(t => Name, (t, s) => $"/compat/journal/{t}/{s}")), Headers(), Body(JournalMessage()), JsonMostly())),
        (3, Request(Methods("GET"), Target(Name.Select(t => "/compat/journal/status/" + t)), Headers(), NoBody())),
        (2, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/compat/journal/" + p)), Headers(), Body(JournalMessage()), JsonMostly())));

    private static Gen<FuzzRequest> Jobs()
    {
        var enqueue = Body(JsonObject(Gen.Frequency((2, JobType), (2, JsonValue)), "type", "args", "queue", "runAt", "delaySeconds", "maxAttempts", "timeoutSeconds", "maxConcurrency", "idempotencyKey", "node"));
        var recurring = Body(JsonObject(Gen.Frequency((2, JobType), (1, Gen.Elements("\"0 0 1 1 *\"", "\"bad cron\"", "\"Europe/London\"", "\"Mars/Base\"")), (2, JsonValue)), "type", "cron", "timeZone", "interval", "misfire", "noOverlap", "args"));
        var attempt = Body(JsonObject(JsonValue, "token", "text", "outcome", "error", "result", "worker", "queues", "types"));
        return Gen.Frequency(
            (4, Request(Methods("POST"), Target(Gen.Constant("/v1/jobs")), Headers(), enqueue, JsonMostly())),
            (2, Request(Methods("GET"), Target(Gen.Constant("/v1/jobs"), "state", "queue", "type", "after", "limit"), Headers(), NoBody())),
            (3, Request(Methods("GET", "DELETE"), Target(JobId.Select(i => "/v1/jobs/" + i)), Headers(), NoBody())),
            (3, Request(Methods("POST"), Target(JobId.SelectMany(_ => Gen.Elements("cancel", "retry", "heartbeat", "log", "complete"), (i, v) => $"/v1/jobs/{i}/{v}")), Headers(), attempt, JsonMostly())),
            (2, Request(Methods("GET"), Target(JobId.Select(i => $"/v1/jobs/{i}/log"), "attempt"), Headers(), NoBody())),
            (2, Request(Methods("GET", "PUT", "DELETE"), Target(Name.Select(n => "/v1/jobs/recurring/" + n)), Headers(), recurring, JsonMostly())),
            (1, Request(Methods("GET", "POST"), Target(Gen.Frequency((1, Gen.Constant("/v1/jobs/recurring")), (2, Name.Select(n => $"/v1/jobs/recurring/{n}/trigger")))), Headers(), NoBody())),
            (1, Request(Methods("POST"), Target(Gen.Constant("/v1/jobs/claim")), Headers(), attempt, JsonMostly())),
            (1, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/v1/jobs/" + p)), Headers(), enqueue, JsonMostly())));
    }

    private static Gen<FuzzRequest> CompatPulzar()
    {
        var body = Body(Gen.Elements("v", "pulzar body", ""));
        return Gen.Frequency(
            (4, Request(Methods("PUT", "POST"), Target(NamePath.Select(p => "/compat/pulzar/add_key/" + p), "temporal"), Headers(), body)),
            (3, Request(Methods("GET", "HEAD"), Target(NamePath.Select(p => "/compat/pulzar/get_key/" + p)), Headers("Range", "If-None-Match", "If-Range"), NoBody())),
            (2, Request(Methods("DELETE"), Target(NamePath.Select(p => "/compat/pulzar/delete_key/" + p)), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(NamePath.Select(p => "/compat/pulzar/third_party/search/" + p), "eq", "lt", "gt"), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(ExtensionName.SelectMany(n => NamePath, (n, p) => $"/compat/pulzar/third_party/{n}/{p}"), "x", "q"), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(Gen.Frequency((2, Gen.Elements("status", "network", "network/node-1")), (1, NamePath)).Select(p => "/compat/pulzar/admin/" + p)), Headers(), NoBody())),
            (1, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/compat/pulzar/" + p)), Headers(), body)));
    }

    /// <summary>Mostly <paramref name="usual"/>, now and then any method.</summary>
    private static Gen<string> Methods(params string[] usual) => Gen.Frequency((9, Gen.Elements(usual)), (1, Gen.Elements(AnyMethod)));

    private static Gen<string> Target(Gen<string> path, params string[] parameters) => path.SelectMany(_ => Query(parameters), (p, q) => p + q);

    private static Gen<byte[]?> NoBody() => Gen.Frequency((6, Gen.Constant<byte[]?>(null)), (1, Body()));

    // A JSON body (a journal message, a txn, a lease grant, a compaction) is refused unless it says it is JSON: say so
    // mostly, to reach the parser.
    private static Gen<string?> JsonMostly() => Gen.Frequency((4, Gen.Constant<string?>("application/json")), (1, ContentType));

    private static Gen<FuzzRequest> Request(Gen<string> method, Gen<string> target, Gen<IReadOnlyList<(string Name, string Value)>> headers, Gen<byte[]?> body, Gen<string?>? contentType = null) =>
        from m in method
        from t in target
        from h in headers
        from b in body
        from c in contentType ?? ContentType
        from chunked in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new FuzzRequest(m, t, b is null || c is null ? h : [.. h, ("Content-Type", c)], b, chunked && b is not null);
}
