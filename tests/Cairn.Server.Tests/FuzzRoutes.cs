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
        new("status", ["/v1/status", "/healthz", "/livez", "/readyz", "/v1/compact", "/v1/cluster/nodes", "/metrics", "/openapi/{documentName}.json"], Status()),
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
        new("runs", [
            "/v1/runs", "/v1/runs/import", "/v1/runs/{id}", "/v1/runs/{id}/nodes/{node}/{index}/complete", "/v1/runs/{id}/params",
            "/v1/runs/{id}/params/{name}", "/v1/runs/{id}/nodes/{node}/{index}/params/{name}", "/v1/runs/{id}/events",
        ], Runs()),
        new("coordination", [
            "/v1/pools", "/v1/pools/{pool}", "/v1/pools/{pool}/members", "/v1/pools/{pool}/members/{member}", "/v1/pools/{pool}/events",
            "/v1/pools/{pool}/members/{member}/events", "/v1/pools/{pool}/members/{member}/items", "/v1/pools/{pool}/members/{member}/items/{item}",
            "/v1/locks/{name}", "/v1/elections/{name}/campaign", "/v1/elections/{name}/proclaim", "/v1/elections/{name}/resign",
            "/v1/elections/{name}", "/v1/elections/{name}/observe", "/v1/barriers/{name}", "/v1/barriers/{name}/wait",
            "/v1/barriers/{name}/enter", "/v1/barriers/{name}/leave", "/v1/queues/{name}", "/v1/queues/{name}/dequeue",
            "/v1/queues/{name}/items/{id}/ack", "/v1/queues/{name}/items/{id}/nack",
        ], Coordination()),
        new("compat-runs", [
            "/compat/runs/runs", "/compat/runs/runs/{id}", "/compat/runs/runs/{id}/state", "/compat/runs/runs/{id}/{param}",
            "/compat/runs/runs/{id}/nodes/{node}/{index}", "/compat/runs/runs/{id}/nodes/{node}/{index}/{param}", "/compat/runs/{**rest}",
        ], CompatRuns()),
        new("carts", [
            "/v1/carts", "/v1/carts/{uid}", "/v1/carts/{uid}/events", "/v1/carts/{uid}/tar", "/v1/carts/{uid}/fix", "/v1/admin/carts/purge",
            "/v1/internal/carts/{uid}/tar",
        ], Carts()),
        new("compat-cartd", ["/compat/cartd/", "/compat/cartd/{uid}", "/compat/cartd/{**rest}"], CompatCartd()),
    ];

    // Cart uids as a client might send them, and the paths, ids and hashes of their files, well-formed or hostile. The
    // fuzz server stages nothing (Carts:MaxActiveCarts=0), so an accepted cart stays waiting and nothing writes behind
    // the generator's back.
    private static Gen<string> CartUid => Gen.Frequency((4, Gen.Elements("38", "36a", "cart-1", "a.b", "u%3A1@h", "..", ".", "a%2Fb", "%00")), (2, Name));

    private static Gen<string> CartFile => Fields(
        [],
        ("id", Gen.Frequency((3, Gen.Elements("\"foo.txt\"", "1234", "\"a/b\"", "\"\"", "\"a\\u0000b\"", "1.5", "-1")), (1, JsonValue))),
        ("path", Gen.Frequency((3, Gen.Elements("\"1/2/3/foo.txt\"", "\"//etc/passwd\"", "\"../x\"", "\"a/../../x\"", "\"/abs\"", "\"a\\u0000b\"", "\"a\\\\b\"", "\"\"", "\"a\"", "\"a/b\"")), (1, JsonValue))),
        ("hashtype", Gen.Frequency((3, Gen.Elements("\"md5\"", "\"SHA-256\"", "\"sha1\"", "\"crc32\"", "\"\"")), (1, JsonValue))),
        ("hashsum", Gen.Frequency((3, Gen.Elements("\"d41d8cd98f00b204e9800998ecf8427e\"", "\"ac59bb32\"", "\"\"", "\"ZZ\"")), (1, JsonValue))));

    private static Gen<string> CartBody => Gen.Frequency(
        (5, Gen.Choose(0, 3).SelectMany(n => CartFile.ListOf(n)).SelectMany(
            files => Fields([], ("bundle", Gen.Elements("true", "false", "null", "1", "\"yes\"")), ("archive", Gen.Elements("\"pacifica\"", "\"blobs\"", "\"directory\"", "\"nope\"", "1"))),
            (files, rest) => "{\"fileids\":[" + string.Join(',', files) + "]" + (rest.Length > 2 ? "," + rest[1..] : "}"))),
        (1, JsonValue));

    private static Gen<FuzzRequest> Carts()
    {
        var body = Body(CartBody);
        var purge = Body(Fields([], ("olderThan", Gen.Elements("\"180d\"", "\"1s\"", "\"0\"", "\"-1\"", "\"x\"", "\"\"")), ("dryRun", Gen.Elements("true", "false", "1"))));
        return Gen.Frequency(
            (4, Request(Methods("POST"), Target(CartUid.Select(u => "/v1/carts/" + u)), Headers(), body, JsonMostly())),
            (2, Request(Methods("GET"), Target(Gen.Constant("/v1/carts"), "after", "limit", "state", "files"), Headers(), NoBody())),
            (3, Request(Methods("GET", "DELETE"), Target(CartUid.Select(u => "/v1/carts/" + u)), Headers(), NoBody())),
            (3, Request(Methods("GET", "HEAD"), Target(CartUid.Select(u => $"/v1/carts/{u}/tar"), "filename"), Headers("Range", "If-Range", "If-None-Match"), NoBody())),
            (2, Request(Methods("POST"), Target(CartUid.Select(u => $"/v1/carts/{u}/fix")), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(CartUid.Select(u => $"/v1/carts/{u}/events"), "fromRevision"), Headers("Last-Event-ID"), NoBody())),
            (1, Request(Methods("POST"), Target(Gen.Constant("/v1/admin/carts/purge")), Headers(), purge, JsonMostly())),
            (1, Request(Methods("GET"), Target(CartUid.Select(u => $"/v1/internal/carts/{u}/tar"), "cartId", "filename"), Headers("Range"), NoBody())),
            (1, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/v1/carts/" + p)), Headers(), body, JsonMostly())));
    }

    private static Gen<FuzzRequest> CompatCartd()
    {
        var body = Body(CartBody);
        return Gen.Frequency(
            (4, Request(Methods("POST"), Target(CartUid.Select(u => "/compat/cartd/" + u)), Headers(), body, JsonMostly())),
            (3, Request(Methods("GET", "HEAD", "DELETE"), Target(CartUid.Select(u => "/compat/cartd/" + u), "filename"), Headers("Range", "If-Range"), NoBody())),
            (1, Request(Methods("GET", "HEAD"), Target(Gen.Elements("/compat/cartd", "/compat/cartd/")), Headers(), NoBody())),
            (2, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/compat/cartd/" + p), "filename"), Headers(), body, JsonMostly())));
    }

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
        (3, Request(Methods("GET"), Target(Gen.Elements("/v1/status", "/healthz", "/livez", "/readyz", "/v1/cluster/nodes", "/v1/status/", "/v1/cluster/nodes/x"), "x"), Headers("Accept"), NoBody())),
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

    // (Properties, not fields: All, above, is built first.) Coordination names as a client might send them, mostly ones
    // that exist once a few requests have run. Sessions are
    // never live leases: the leases family may grant small ids (1, 2, 30, …), and a waiting call under a live lease
    // (a second acquire of a held lock, a campaign behind a leader) would wait, or write and then give up with a 409. So
    // a lease here is one no family grants, or not a lease at all, and every wait is short or invalid: nothing hangs,
    // and a refused request writes nothing. The waits themselves are covered by the coordination tests.
    private static Gen<string> CoordName => Gen.Frequency((4, Gen.Elements("a", "b", "run-1", "r%201", "n:1@h", "x.y")), (2, Name));

    private static Gen<string> Index => Gen.Frequency((4, Gen.Elements("1", "2", "4", "0")), (1, Gen.Elements("-1", "01", "+1", "1.0", "2147483648", "x")), (1, Name));

    private static Gen<string> DeadLease => Gen.Elements("0", "-1", "123456789012", "4503599627370497", "1.5", "\"1\"", "null", "true", "1e400");

    private static Gen<string> ShortWait => Gen.Elements("0", "0.05", "0.1", "-1", "3601", "1e400", "\"1\"", "\"a\"");

    private static Gen<string> ShortWaitQuery => Gen.Elements("0", "0.05", "0.1", "-1", "3601", "1e400", "NaN", "abc", "%00");

    private static Gen<string> StateName => Gen.Elements("\"init\"", "\"provisioning\"", "\"executing\"", "\"ready\"", "\"finalyzing\"", "\"terminated\"", "\"\"", "\"nope\"", "null", "1");

    private static Gen<string> Topology => Gen.Frequency(
        (4, Gen.Elements("{\"node1\":[1,2,4],\"node2\":[2]}", "{\"n\":[0]}", "{}", "{\"n\":[]}", "{\"n\":[-1]}", "{\"n\":[1,1]}", "{\"a/b\":[1]}", "{\"n\":[2147483648]}", "{\"n\":\"1\"}")),
        (1, JsonValue));

    private static Gen<string> Text => Gen.Frequency((4, Gen.Elements("\"v\"", "\"\"", "\"é\"", "\"" + new string('v', 70_000) + "\"")), (1, JsonValue));

    /// <summary>A JSON object with every field of <paramref name="always"/> and some of <paramref name="maybe"/>, each with
    /// its own values, or now and then a JSON value of another shape.</summary>
    private static Gen<string> Fields((string Name, Gen<string> Value)[] always, params (string Name, Gen<string> Value)[] maybe) =>
        Gen.Frequency(
            (8, Gen.SubListOf(maybe).SelectMany(
                chosen => Gen.CollectToList(always.Concat(chosen).Select(f => f.Value.Select(v => $"\"{f.Name}\":{v}"))),
                (_, pairs) => "{" + string.Join(',', pairs) + "}")),
            (1, JsonValue));

    private static Gen<FuzzRequest> Runs()
    {
        var valid = Gen.Elements(
            """{"id":"a","topology":{"node1":[1,2,4],"node2":[2]}}""",
            """{"id":"run-1","topology":{"node1":[0],"n":[0]},"defaults":{"p":"v"},"parameters":{"node1":{"q":"w"}}}""",
            """{"id":"b","topology":{"node1":[1]},"graph":{"a":["b"],"b":[]},"initialState":"a"}""");
        var create = Body(Gen.Frequency((2, valid), (3, Fields([], ("id", Gen.Frequency((3, Gen.Elements("\"a\"", "\"run-1\"", "\"r 1\"", "\"..\"", "\"a/b\"", "\"\"")), (1, JsonValue))), ("topology", Topology), ("graph", Gen.Elements("{\"a\":[\"b\"],\"b\":[]}", "{\"a\":[\"c\"]}", "{}", "null")), ("initialState", StateName), ("parameters", Gen.Elements("{\"node1\":{\"p\":\"v\"}}", "{\"x\":{}}", "{}")), ("defaults", Gen.Elements("{\"p\":\"v\"}", "{\"\":\"v\"}", "{}"))))));
        var import = Body(Fields([], ("run", Fields([], ("id", Gen.Elements("\"imported\"", "\"a\"", "\"\"")), ("state", StateName), ("epoch", Gen.Elements("0", "3", "-1")), ("topology", Topology), ("pending", Topology))), ("parameters", Gen.Elements("{\"p\":\"v\"}", "{}", "{\"a/b\":\"v\"}"))));
        var complete = Body(Fields([], ("current", StateName), ("next", StateName)));
        var set = Body(Fields([], ("value", Text), ("ifModRevision", Gen.Elements("0", "1", "-1", "99999999"))));
        var node = Gen.Frequency((3, Gen.Elements("node1", "node2", "n")), (1, Name));
        return Gen.Frequency(
            (4, Request(Methods("POST"), Target(Gen.Constant("/v1/runs")), Headers(), create, JsonMostly())),
            (1, Request(Methods("POST"), Target(Gen.Constant("/v1/runs/import")), Headers(), import, JsonMostly())),
            (2, Request(Methods("GET"), Target(Gen.Constant("/v1/runs"), "after", "limit"), Headers(), NoBody())),
            (3, Request(Methods("GET", "DELETE"), Target(CoordName.Select(id => "/v1/runs/" + id)), Headers(), NoBody())),
            (4, Request(Methods("POST"), Target(CoordName.SelectMany(_ => node, (id, n) => (id, n)).SelectMany(_ => Index, (p, i) => $"/v1/runs/{p.id}/nodes/{p.n}/{i}/complete")), Headers(), complete, JsonMostly())),
            (2, Request(Methods("GET"), Target(CoordName.Select(id => $"/v1/runs/{id}/params")), Headers(), NoBody())),
            (3, Request(Methods("GET", "PUT"), Target(CoordName.SelectMany(_ => CoordName, (id, p) => $"/v1/runs/{id}/params/{p}")), Headers("If-Match", "If-None-Match"), set, JsonMostly())),
            (3, Request(Methods("GET", "PUT"), Target(CoordName.SelectMany(_ => node, (id, n) => (id, n)).SelectMany(_ => Index, (p, i) => (p.id, p.n, i)).SelectMany(_ => CoordName, (p, name) => $"/v1/runs/{p.id}/nodes/{p.n}/{p.i}/params/{name}")), Headers("If-Match", "If-None-Match"), set, JsonMostly())),
            (2, Request(Methods("GET"), Target(CoordName.Select(id => $"/v1/runs/{id}/events"), "fromRevision"), Headers("Last-Event-ID"), NoBody())),
            (1, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/v1/runs/" + p)), Headers(), create, JsonMostly())));
    }

    private static Gen<FuzzRequest> Coordination()
    {
        var join = Body(Fields([("lease", DeadLease)], ("name", Text)));
        var item = Body(Fields([], ("value", Text)));
        var acquire = Body(Fields([("lease", DeadLease), ("waitSeconds", ShortWait)], ("mode", Gen.Elements("\"exclusive\"", "\"read\"", "\"write\"", "\"semaphore\"", "\"nope\"", "null")), ("permits", Gen.Elements("1", "3", "0", "10001", "-1")), ("owner", Text)));
        var campaign = Body(Fields([("lease", DeadLease), ("waitSeconds", ShortWait)], ("value", Text)));
        var leadership = Body(Fields([], ("key", Gen.Elements("\"/cairn/elections/a/x\"", "\"/cairn/locks/a/x\"", "\"\"", "\"a\"")), ("token", Gen.Elements("1", "0", "-1", "99999999")), ("value", Text)));
        var enter = Body(Fields([("lease", DeadLease), ("waitSeconds", ShortWait)], ("count", Gen.Elements("2", "3", "1", "0", "10001"))));
        var entry = Body(Fields([], ("name", Gen.Elements("\"a\"", "\"b\"", "\"\"")), ("round", Gen.Elements("1", "2", "0", "-1")), ("participant", Gen.Elements("\"0000000000000001-00000001\"", "\"a/b\"", "\"\"", "\"..\"")), ("count", Gen.Elements("2", "3")), ("lease", DeadLease)));
        var dequeue = Body(Fields([("lease", DeadLease), ("waitSeconds", ShortWait)]));
        var member = Gen.Frequency((3, Gen.Elements("m-0000000000000001", "m-ffffffffffffffff")), (1, Name));
        var lockKey = Gen.Elements("/cairn/locks/a/x", "%2Fcairn%2Flocks%2Fa%2Fx", "/cairn/locks/b/x", "", "x", "%FF");
        return Gen.Frequency(
            (1, Request(Methods("GET"), Target(Gen.Constant("/v1/pools")), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(CoordName.Select(p => "/v1/pools/" + p)), Headers(), NoBody())),
            (3, Request(Methods("POST"), Target(CoordName.Select(p => $"/v1/pools/{p}/members")), Headers(), join, JsonMostly())),
            (2, Request(Methods("DELETE"), Target(CoordName.SelectMany(_ => member, (p, m) => $"/v1/pools/{p}/members/{m}")), Headers(), NoBody())),
            (2, Request(Methods("GET"), Target(CoordName.SelectMany(_ => member, (p, m) => $"/v1/pools/{p}/members/{m}/{(m.Length % 2 == 0 ? "events" : "items")}")), Headers(), NoBody())),
            (2, Request(Methods("PUT", "DELETE"), Target(CoordName.SelectMany(_ => member, (p, m) => (p, m)).SelectMany(_ => CoordName, (pm, i) => $"/v1/pools/{pm.p}/members/{pm.m}/items/{i}")), Headers(), item, JsonMostly())),
            (1, Request(Methods("GET"), Target(CoordName.Select(p => $"/v1/pools/{p}/events"), "fromRevision"), Headers("Last-Event-ID"), NoBody())),
            (4, Request(Methods("POST"), Target(CoordName.Select(n => "/v1/locks/" + n)), Headers(), acquire, JsonMostly())),
            (2, Request(Methods("GET"), Target(CoordName.Select(n => "/v1/locks/" + n)), Headers(), NoBody())),
            (2, Request(Methods("DELETE"), WithQuery(CoordName.SelectMany(_ => lockKey, (n, k) => $"/v1/locks/{n}?key={k}"), "token"), Headers(), NoBody())),
            (3, Request(Methods("POST"), Target(CoordName.Select(n => $"/v1/elections/{n}/campaign")), Headers(), campaign, JsonMostly())),
            (2, Request(Methods("POST"), Target(CoordName.SelectMany(_ => Gen.Elements("proclaim", "resign"), (n, v) => $"/v1/elections/{n}/{v}")), Headers(), leadership, JsonMostly())),
            (2, Request(Methods("GET"), Target(CoordName.SelectMany(_ => Gen.Elements("", "/observe"), (n, v) => $"/v1/elections/{n}{v}")), Headers(), NoBody())),
            (2, Request(Methods("PUT", "GET", "DELETE"), Target(CoordName.Select(n => "/v1/barriers/" + n)), Headers(), NoBody())),
            (2, Request(Methods("POST"), WithQuery(CoordName.SelectMany(_ => ShortWaitQuery, (n, w) => $"/v1/barriers/{n}/wait?waitSeconds={w}")), Headers(), NoBody())),
            (2, Request(Methods("POST"), Target(CoordName.Select(n => $"/v1/barriers/{n}/enter")), Headers(), enter, JsonMostly())),
            (2, Request(Methods("POST"), WithQuery(CoordName.SelectMany(_ => ShortWaitQuery, (n, w) => $"/v1/barriers/{n}/leave?waitSeconds={w}")), Headers(), entry, JsonMostly())),
            (2, Request(Methods("POST", "GET"), Target(CoordName.Select(n => "/v1/queues/" + n)), Headers(), item, JsonMostly())),
            (2, Request(Methods("POST"), Target(CoordName.Select(n => $"/v1/queues/{n}/dequeue")), Headers(), dequeue, JsonMostly())),
            (2, Request(Methods("POST"), Target(CoordName.SelectMany(_ => Gen.Elements("00000000000000000001", "1", "x"), (n, i) => (n, i)).SelectMany(_ => Gen.Elements("ack", "nack"), (ni, v) => $"/v1/queues/{ni.n}/items/{ni.i}/{v}"), "lease"), Headers(), NoBody())));
    }

    private static Gen<FuzzRequest> CompatRuns()
    {
        // Forms of each route's shape (the seed's clients send forms), or a mix of any fields, or junk.
        Gen<byte[]?> FormBody(params string[] shaped)
        {
            var any = Gen.SubListOf(new[] { "id=a", "id=..", "id=a%2Fb", "topology=%7B%22n%22%3A%5B1%5D%7D", "topology=%7B", "module=%7B%7D", "value=v", "current-state=init", "next-state=provisioning", "next=x" })
                .Select(pairs => string.Join('&', pairs));
            var form = Gen.Frequency((5, Gen.Elements(shaped)), (2, any), (1, Gen.Elements("a=%FF", "=", "&&", "value=" + new string('v', 70_000))));
            return Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (2, JunkBody.Select(byte[]? (b) => b)), (6, form.Select(byte[]? (f) => System.Text.Encoding.UTF8.GetBytes(f))));
        }

        var create = FormBody(
            "id=a&topology=%7B%22node1%22%3A%5B1%2C2%5D%7D", "id=run-1&topology=%7B%22node1%22+%5B1+2+4%5D+%22node2%22+%5B2%5D%7D", "topology=%7B%22n%22+%5B0%5D%7D",
            "id=b&module=%7B%3Anodes+%7B%22node1%22+%7B%3Amultiplicity+2+%3Aparams+%7B%22p1%22+%7B%3Adefault+%22v%22%7D%7D%7D%7D%7D", "module=%7B%22nodes%22%3A%7B%22n%22%3A%7B%22multiplicity%22%3A0%7D%7D%7D",
            "id=..&topology=%7B%22n%22%3A%5B1%5D%7D", "id=c&topology=%7B%22n%22%3A%5B-1%5D%7D", "id=c&topology=%7B", "id=c&topology=%5B1%5D", "id=c", "id=c&topology=%7B%7D&module=%7B%7D");
        var complete = FormBody("current-state=init&next-state=provisioning", "current=init&next=provisioning", "current-state=init&next-state=executing", "current-state=provisioning&next-state=executing", "current-state=init");
        var set = FormBody("value=v", "value=", "value=%C3%A9", "value=" + new string('v', 70_000), "other=v");
        var formMostly = Gen.Frequency((4, Gen.Constant<string?>("application/x-www-form-urlencoded")), (1, ContentType));
        var node = Gen.Frequency((3, Gen.Elements("node1", "n")), (1, Name));
        var index = CoordName.SelectMany(_ => node, (id, n) => (id, n)).SelectMany(_ => Index, (p, i) => $"/compat/runs/runs/{p.id}/nodes/{p.n}/{i}");
        return Gen.Frequency(
            (3, Request(Methods("POST"), Target(Gen.Constant("/compat/runs/runs"), "id", "topology", "module"), Headers(), create, formMostly)),
            (2, Request(Methods("DELETE"), Target(CoordName.Select(id => "/compat/runs/runs/" + id)), Headers(), NoBody())),
            (3, Request(Methods("GET", "HEAD"), Target(CoordName.SelectMany(_ => Gen.Elements("state", "p1", "nodes"), (id, p) => $"/compat/runs/runs/{id}/{p}")), Headers(), NoBody())),
            (3, Request(Methods("GET", "POST"), Target(index, "current-state", "next-state", "current", "next"), Headers(), complete, formMostly)),
            (3, Request(Methods("GET", "PUT"), Target(index.SelectMany(_ => CoordName, (i, p) => i + "/" + p), "value"), Headers(), set, formMostly)),
            (2, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/compat/runs/" + p)), Headers(), set, formMostly)));
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

    // A target that has a query already: more parameters after it (never another of those it has).
    private static Gen<string> WithQuery(Gen<string> pathAndQuery, params string[] parameters) =>
        pathAndQuery.SelectMany(_ => Query(parameters), (p, q) => q.Length <= 1 ? p : p + "&" + q[1..]);

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
