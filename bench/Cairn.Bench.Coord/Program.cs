using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Bench.Coord;

// cairn-bench-coord: Cairn's coordination recipes (locks, elections, barriers) beside etcd's own lock and election
// services, measured in one run on this machine. bench/coord.sh is the one-command front end (builds Release, starts
// etcd, passes the cairn executable, writes bench/results/).
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Options.Usage);
    return 0;
}

Options o;
try
{
    o = Options.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    await Console.Error.WriteLineAsync("cairn-bench-coord: " + ex.Message + Environment.NewLine + Options.Usage).ConfigureAwait(false);
    return 2;
}

// Up to 64 participants wait at once; the pool should not have to grow for them one by one.
ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
ThreadPool.SetMinThreads(Math.Max(minWorkers, 2 * o.Participants), Math.Max(minIo, 2 * o.Participants));

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var kinds = new List<TargetKind>();
foreach (var t in o.Targets)
{
    kinds.Add(t switch
    {
        "cairn" => CairnServerTarget.ClientKind(o.Cairn!, o.Transport),
        "cairn-http" => CairnServerTarget.HttpKind(o.Cairn!, o.Transport),
        "cairn-lib-etcd" => LibraryTarget.Kind(o.Etcd!),
        _ => EtcdTarget.Kind(o.Etcd!),
    });
}

var results = new List<CellResult>();
var jsonl = o.Out is null ? null : new StreamWriter(o.Out, append: true) { AutoFlush = true };
await using (jsonl)
{
    Console.WriteLine(Row("target", "scenario", "n", "count", "pairs/s", "p50 ms", "p99 ms", "mean ms", "max ms", "error / note"));
    foreach (var kind in kinds)
    {
        var cells = new List<(string Scenario, int Participants, Func<CancellationToken, Task<CellResult>> Run)>();
        foreach (var c in o.Contenders)
        {
            cells.Add(("lock", c, ct => Scenarios.LockAsync(kind, c, o.Duration, o.Warmup, ct)));
        }

        cells.Add(("failover-clean", o.Standbys + 1, ct => Scenarios.CleanFailoverAsync(kind, o.Standbys, o.Failovers, o.FailoverWarmup, ct)));
        cells.Add(("failover-crash", o.Standbys + 1, ct => Scenarios.CrashFailoverAsync(kind, o.Standbys, o.CrashRounds, o.CrashTtl, ct)));
        cells.Add(("barrier", o.Participants, ct => Scenarios.BarrierAsync(kind, o.Participants, o.BarrierRounds, queued: false, ct)));
        cells.Add(("barrier-queued", o.Participants, ct => Scenarios.BarrierAsync(kind, o.Participants, o.BarrierRounds, queued: true, ct)));
        foreach (var (scenario, participants, run) in cells)
        {
            CellResult r;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            deadline.CancelAfter(o.CellDeadline);
            try
            {
                r = await run(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (deadline.IsCancellationRequested && !cts.IsCancellationRequested)
            {
                r = new CellResult(kind.Name, scenario, participants, 0, 0, 0, 0, 0, 0, $"did not finish within {o.CellDeadline.TotalSeconds:0} s ({ex.GetType().Name})");
            }
            catch (Exception ex) when (!cts.IsCancellationRequested)
            {
                r = new CellResult(kind.Name, scenario, participants, 0, 0, 0, 0, 0, 0, ex.GetType().Name + ": " + OneLine(ex.Message));
            }

            results.Add(r);
            Console.WriteLine(Row(r.Target, r.Scenario, I(r.Participants), I(r.Count), r.PerSecond > 0 ? F(r.PerSecond, 0) : "", F(r.P50Ms, 2), F(r.P99Ms, 2), F(r.MeanMs, 2), F(r.MaxMs, 2), r.Error ?? r.Note ?? ""));
            if (jsonl is not null)
            {
                await jsonl.WriteLineAsync(JsonSerializer.Serialize(r)).ConfigureAwait(false);
            }
        }
    }
}

var summary = Summary(o, kinds, results);
Console.WriteLine();
Console.WriteLine(summary);
if (o.Markdown is not null)
{
    await File.WriteAllTextAsync(o.Markdown, summary).ConfigureAwait(false);
}

return results.Any(r => r.Error is not null) ? 1 : 0;

static string Row(string target, string scenario, string n, string count, string rate, string p50, string p99, string mean, string max, string error) =>
    $"{target,-15} {scenario,-15} {n,3} {count,7} {rate,9} {p50,9} {p99,9} {mean,9} {max,9} {error}";

static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

static string OneLine(string s) => s.ReplaceLineEndings(" ");

// One row per target: the numbers the issue asks for, side by side, and what each target is.
static string Summary(Options o, List<TargetKind> kinds, List<CellResult> results)
{
    var sb = new StringBuilder();
    var inv = CultureInfo.InvariantCulture;
    sb.Append("| target |");
    foreach (var c in o.Contenders)
    {
        sb.Append(inv, $" lock pairs/s, {Contenders(c)} | acquire p50 / p99 ms, {Contenders(c)} |");
    }

    sb.Append(inv, $" clean failover p50 / p99 ms (1 + {o.Standbys} standbys) | crash failover mean ms (lease TTL {o.CrashTtl} s) | barrier of {o.Participants}, all at once: last arrival → all released, p50 ms | barrier of {o.Participants}, {o.Participants - 1} waiting: last arrival → all released, p50 ms |\n");
    sb.Append("| --- |");
    sb.Append(string.Concat(Enumerable.Repeat(" ---: |", (o.Contenders.Count * 2) + 4)));
    sb.Append('\n');
    foreach (var kind in kinds)
    {
        CellResult? Find(string scenario, int n) => results.FirstOrDefault(r => r.Target == kind.Name && r.Scenario == scenario && r.Participants == n);
        string Cell(CellResult? r, Func<CellResult, string> text) => r is null ? "—" : r.Error is not null ? "error" : r.Count == 0 && r.Note is not null ? r.Note.Split(" (")[0] : text(r);
        sb.Append(inv, $"| {kind.Name} |");
        foreach (var c in o.Contenders)
        {
            var lk = Find("lock", c);
            sb.Append(inv, $" {Cell(lk, r => r.PerSecond.ToString("N0", inv))} | {Cell(lk, r => r.P50Ms.ToString("F2", inv) + " / " + r.P99Ms.ToString("F2", inv))} |");
        }

        sb.Append(inv, $" {Cell(Find("failover-clean", o.Standbys + 1), r => r.P50Ms.ToString("F1", inv) + " / " + r.P99Ms.ToString("F1", inv))} |");
        sb.Append(inv, $" {Cell(Find("failover-crash", o.Standbys + 1), r => r.MeanMs.ToString("F0", inv) + $" ({r.MeanMs / (r.TtlSeconds * 1000.0):0.00} × TTL{(r.TtlSeconds != o.CrashTtl ? $" of {r.TtlSeconds} s" : "")})")} |");
        sb.Append(inv, $" {Cell(Find("barrier", o.Participants), r => r.P50Ms.ToString("F1", inv))} |");
        sb.Append(inv, $" {Cell(Find("barrier-queued", o.Participants), r => r.P50Ms.ToString("F1", inv))} |\n");
    }

    sb.Append('\n');
    foreach (var kind in kinds)
    {
        sb.Append(inv, $"- **{kind.Name}**: {kind.Description}\n");
    }

    sb.Append(inv, $"- Lock: {string.Join(" and ", o.Contenders.Select(Contenders))} acquiring and releasing one exclusive lock in a loop for {o.Duration.TotalSeconds:0.#} s (after {o.Warmup.TotalSeconds:0.#} s of the same on another name), each with a session of its own; pairs/s over the whole loop, acquire latency from the call to the grant (with contenders: the wait behind the others included). ");
    sb.Append(inv, $"Clean failover: a leader and {o.Standbys} standbys campaign; the leader resigns, and the time from the resign call to the return of the next standby's campaign is measured, {o.Failovers} times (after {o.FailoverWarmup} unmeasured); the resigned candidate queues again before the next round. ");
    sb.Append(inv, $"Crash failover: a leader on a lease of {o.CrashTtl} s that nobody keeps alive, {o.Standbys} standbys behind it; from the lease grant's answer to the first standby's campaign returning, {o.CrashRounds} rounds on fresh elections: the TTL plus the store's expiry granularity and notification. ");
    sb.Append(inv, $"Barrier: {o.Participants} participants, each with its own session, enter a fresh double barrier of count {o.Participants}, either all at once (released together from a gate: the last arrival's entry contends with the others') or the last one after the other {o.Participants - 1} have entered and wait (the release alone); from the start of the last enter call to the return of the last one, {o.BarrierRounds} rounds after one unmeasured. ");
    sb.Append("Every cell on fresh state (a new `cairn serve` and data dir; etcd emptied and compacted), participants in the benchmark process, one client (connection pool / gRPC channel) per target.\n");
    var said = new HashSet<(string, string)>();
    foreach (var r in results.Where(r => r.Error is not null || r.Note is not null))
    {
        if (r.Error is null && !said.Add((r.Target, r.Note!)))
        {
            continue; // the same note for another cell of the target (n/a)
        }

        sb.Append(inv, $"- {(r.Error is null ? "note" : "error")} in {r.Target} {r.Scenario} ({r.Participants}): {r.Error ?? r.Note}\n");
    }

    return sb.ToString();

    static string Contenders(int c) => c == 1 ? "1 (uncontended)" : $"{c} contenders";
}
