using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn.Cli.Tests;

/// <summary>
/// An original Journal deployment, written into a real ZooKeeper the way the original wrote it — by a Python program on
/// Debian's python3 with kazoo: steps as zlib'd JSON at /&lt;txid&gt;/&lt;step&gt;, folds into sequential
/// /history/sqlite-db# nodes holding zlib'd <c>iterdump()</c> text (the folded znodes deleted in the same
/// transaction), and a kazoo lock left behind — and what the original's status answered for each request, from the same
/// znodes (the test's oracle; it runs the test's own SQL on its own data in Python's sqlite3).
/// </summary>
internal sealed class OriginalJournalWriter
{
    private const string Python = "/usr/bin/python3";

    private const string Program = """
        # Writes an original Journal deployment's znodes under a chroot, as its server and folder wrote them, then says what
        # its status answered for the txids asked about. Input (stdin, JSON): {"server": "host:port", "chroot": "/x",
        # "digest": "user:password" or null, "live": [[txid, step, message], ...], "fold": [[txid, ...], ...],
        # "locks": [txid, ...], "ask": [txid, ...]}. Output (stdout, JSON): {txid: [http status, body]}.
        import json
        import sqlite3
        import sys
        import zlib

        from kazoo.client import KazooClient
        from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE

        TABLE = ("CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, date DATETIME DEFAULT CURRENT_TIMESTAMP, "
                 "authuser_id VARCHAR(64) NOT NULL, user_id VARCHAR(64) NOT NULL, as_role VARCHAR(16) NULL, request_id VARCHAR(36) NOT NULL, "
                 "transaction_id VARCHAR(36) NOT NULL, step VARCHAR(16) NOT NULL, host VARCHAR(254) NOT NULL, resource VARCHAR(64) NOT NULL, "
                 "resourcegroup VARCHAR(64) NOT NULL, verb VARCHAR(64) NOT NULL, resourcepk VARCHAR(128) NULL, payload TEXT NULL, cm VARCHAR(20) NULL)")
        COLUMNS = ["host", "authuser_id", "user_id", "date", "request_id", "transaction_id", "step", "as_role",
                   "resourcegroup", "resource", "verb", "resourcepk", "payload", "cm"]
        FIELDS = ["host", "authuser_id", "user_id", "date", "request_id", "transaction_id", "step", "role",
                  "resourcegroup", "resource", "verb", "resourcepk", "payload", "cm"]

        spec = json.load(sys.stdin)
        root = KazooClient(hosts=spec["server"])
        root.start(timeout=60)
        root.ensure_path(spec["chroot"])
        root.stop()

        auth = [("digest", spec["digest"])] if spec.get("digest") else []
        acl = [make_digest_acl(*spec["digest"].split(":", 1), all=True)] if auth else OPEN_ACL_UNSAFE
        zk = KazooClient(hosts=spec["server"] + spec["chroot"], auth_data=auth)
        zk.start(timeout=60)

        # A step: the message as the client posted it, JSON then zlib, at /<txid>/<step>.
        for txid, step, message in spec["live"]:
            zk.create("/%s/%s" % (txid, step), zlib.compress(json.dumps(message).encode()), makepath=True, acl=acl)

        # A fold: the steps of the requests into one in-memory table, its dump zlib'ed into the next sequential history node,
        # the folded step znodes deleted in the same transaction and their request znodes after it.
        for txids in spec["fold"]:
            if not zk.exists("/history"):
                zk.create("/history", acl=acl)
            paths = ["/%s/%s" % (t, s) for t in txids for s in zk.get_children("/" + t)]
            db = sqlite3.connect(":memory:")
            db.execute(TABLE)
            for path in paths:
                message = json.loads(zlib.decompress(zk.get(path)[0]).decode())
                row = [message.get(f) for f in FIELDS]
                row[FIELDS.index("payload")] = json.dumps(message.get("payload"))
                db.execute("INSERT INTO journal (%s) VALUES (%s)" % (", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))), row)
            db.commit()
            dump = "\n".join(db.iterdump())
            db.close()
            transaction = zk.transaction()
            transaction.create("/history/sqlite-db#", zlib.compress(dump.encode()), acl=acl, sequence=True)
            for path in paths:
                transaction.delete(path)
            assert not any(isinstance(r, Exception) for r in transaction.commit())
            for t in txids:
                zk.delete("/" + t)

        # A lock the folder took and never removed (it crashed): kazoo's lock znode, whose contender node went with the session.
        for txid in spec["locks"]:
            zk.Lock("/%s_lock" % txid).acquire(timeout=30)


        # What the original's server answered for GET /status/<txid>: live commit, abort, begin; then history, newest node
        # first, by request_id: a commit row, an abort row, a begin row.
        def status(txid):
            for step in ("commit", "abort"):
                if zk.exists("/%s/%s" % (txid, step)):
                    return 200, {"status": json.loads(zlib.decompress(zk.get("/%s/%s" % (txid, step))[0]).decode())}
            if zk.exists("/%s/begin" % txid):
                return 102, {"status": "Task in progress"}
            nodes = zk.get_children("/history") if zk.exists("/history") else []
            for node in sorted(nodes, key=lambda n: int(n.split("#")[1]), reverse=True):
                db = sqlite3.connect(":memory:")
                db.executescript(zlib.decompress(zk.get("/history/" + node)[0]).decode())
                db.row_factory = sqlite3.Row
                query = "SELECT %s FROM journal WHERE request_id=? AND step=?" % ", ".join(COLUMNS)
                for step in ("commit", "abort"):
                    row = db.execute(query, (txid, step)).fetchone()
                    if row is not None:
                        answer = {k: row[k] for k in row.keys()}
                        answer["payload"] = json.loads(answer["payload"])
                        return 200, {"status": answer}
                if db.execute(query, (txid, "begin")).fetchone() is not None:
                    return 102, {"status": "Task in progress"}
            return 404, {"status": "Task not found"}


        print(json.dumps({t: [status(t)[0], json.dumps(status(t)[1])] for t in spec["ask"]}))
        zk.stop()
        """;

    private readonly List<object[]> _live = [];
    private readonly List<string[]> _folds = [];
    private readonly List<string> _locks = [];

    /// <summary>A message as the seed's client sent it, for request <paramref name="requestId"/>.</summary>
    public static JsonObject Message(string requestId, string step, object? payload = null) => new()
    {
        ["user_id"] = "user1",
        ["resourcepk"] = null,
        ["request_id"] = requestId,
        ["host"] = "host1",
        ["payload"] = payload is null ? null : JsonSerializer.SerializeToNode(payload),
        ["resourcegroup"] = "cookbook",
        ["transaction_id"] = "c4f62dae-2c3a-417e-94f9-db43d86d4cd0",
        ["cm"] = null,
        ["step"] = step,
        ["date"] = "2017-6-13 16:47:55",
        ["resource"] = "cookbook/todo",
        ["role"] = null,
        ["authuser_id"] = "user1",
        ["verb"] = "get",
    };

    /// <summary>The original's server writes step <paramref name="step"/> of <paramref name="txid"/>.</summary>
    public OriginalJournalWriter Post(string txid, string step, JsonObject? message = null)
    {
        _live.Add([txid, step, message ?? Message(txid, step)]);
        return this;
    }

    /// <summary>The original's folder moves these requests' steps into the next history node.</summary>
    public OriginalJournalWriter Fold(params string[] txids)
    {
        _folds.Add(txids);
        return this;
    }

    /// <summary>The folder took the lock of <paramref name="txid"/> and died.</summary>
    public OriginalJournalWriter LeaveLock(string txid)
    {
        _locks.Add(txid);
        return this;
    }

    /// <summary>Fails the test with what to install when Debian's python3 cannot import kazoo.</summary>
    public static async Task RequireKazooAsync()
    {
        Assert.True(File.Exists(Python), $"{Python} is missing; ./test.sh installs it with python3-kazoo (apt-get install python3-kazoo).");
        var (exit, _, error) = await RunAsync(["-c", "import kazoo"], "");
        Assert.True(exit == 0, $"{Python} cannot import kazoo; ./test.sh installs it (apt-get install python3-kazoo). {error}");
    }

    /// <summary>Writes everything under <paramref name="chroot"/> of <paramref name="server"/> (nodes readable only by
    /// <paramref name="digest"/>, USER:PASSWORD, when given) and returns the original's answer (HTTP status, body) to
    /// GET /status/&lt;txid&gt; for each of <paramref name="ask"/>.</summary>
    public async Task<IReadOnlyDictionary<string, (int Status, string Body)>> WriteAsync(string server, string chroot, IEnumerable<string> ask, string? digest = null)
    {
        var spec = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["server"] = server,
            ["chroot"] = chroot,
            ["digest"] = digest,
            ["live"] = _live,
            ["fold"] = _folds,
            ["locks"] = _locks,
            ["ask"] = ask.ToList(),
        });
        var (exit, output, error) = await RunAsync(["-c", Program], spec);
        Assert.True(exit == 0, $"the original's writer failed ({exit}): {error}");
        var answers = JsonNode.Parse(output)!.AsObject();
        return answers.ToDictionary(a => a.Key, a => (a.Value![0]!.GetValue<int>(), a.Value![1]!.GetValue<string>()), StringComparer.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyList<string> arguments, string stdin)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }
}
