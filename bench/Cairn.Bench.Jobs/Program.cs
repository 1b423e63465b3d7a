using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Bench.Jobs;

// cairn-bench-jobs: Cairn's job system beside Hangfire (on SQLite and in memory), measured in one run on this machine.
// bench/jobs.sh is the one-command front end (builds Release, passes the cairn executable, writes bench/results/).
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
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync("cairn-bench-jobs: " + ex.Message + Environment.NewLine + Options.Usage).ConfigureAwait(false);
    return 2;
}

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
        "cairn" => CairnTarget.ClientWorkers(o.Cairn!, o.Transport),
        "cairn-server" => CairnTarget.ServerWorkers(o.Cairn!, o.Transport),
        "hangfire-sqlite" => HangfireTarget.Sqlite(o.HangfirePoll, wal: false),
        "hangfire-sqlite-wal" => HangfireTarget.Sqlite(o.HangfirePoll, wal: true),
        _ => HangfireTarget.InMemory(),
    });
}

var results = new List<CellResult>();
var jsonl = o.Out is null ? null : new StreamWriter(o.Out, append: true) { AutoFlush = true };
await using (jsonl)
{
    Console.WriteLine(Row("target", "scenario", "workers", "jobs", "jobs/s", "enqueue/s", "p50 ms", "p99 ms", "max ms", "error"));
    foreach (var kind in kinds)
    {
        var deadline = o.Deadline;
        var cells = new List<Func<Task<CellResult>>>();
        foreach (var w in o.Workers)
        {
            cells.Add(() => Scenarios.ThroughputAsync(kind, w, o.Jobs, o.Enqueuers, o.EnqueueLimit, deadline, cts.Token));
        }

        foreach (var w in o.Workers)
        {
            cells.Add(() => Scenarios.LatencyAsync(kind, w, o.LatencyRate, o.LatencySeconds, deadline, cts.Token));
        }

        cells.Add(() => Scenarios.BacklogAsync(kind, o.BacklogWorkers, o.Backlog, Math.Max(o.Enqueuers, 8), o.BacklogLimit, o.DrainLimit, cts.Token));
        foreach (var cell in cells)
        {
            CellResult r;
            try
            {
                r = await cell().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                r = new CellResult(kind.Name, "?", 0, 0, 0, 0, 0, 0, 0, ex.GetType().Name + ": " + ex.Message);
            }

            results.Add(r);
            Console.WriteLine(Row(r.Target, r.Scenario, I(r.Workers), I(r.Jobs), F(r.JobsPerSecond, 0), F(r.EnqueuesPerSecond, 0), F(r.P50Ms, 2), F(r.P99Ms, 2), F(r.MaxMs, 2), r.Error ?? r.Note ?? ""));
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

static string Row(string target, string scenario, string workers, string jobs, string rate, string enq, string p50, string p99, string max, string error) =>
    $"{target,-18} {scenario,-10} {workers,7} {jobs,7} {rate,9} {enq,9} {p50,8} {p99,8} {max,8} {error}";

static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

// One row per target: the numbers the issue asks for, side by side, and what each target is.
static string Summary(Options o, List<TargetKind> kinds, List<CellResult> results)
{
    var sb = new StringBuilder();
    var inv = CultureInfo.InvariantCulture;
    sb.Append("| target | durable |");
    foreach (var w in o.Workers)
    {
        sb.Append(inv, $" jobs/s, {w} worker{(w == 1 ? "" : "s")} |");
    }

    foreach (var w in o.Workers)
    {
        sb.Append(inv, $" start p50 / p99 ms, {w} worker{(w == 1 ? "" : "s")} |");
    }

    sb.Append(inv, $" backlog: jobs | enqueue/s | drain jobs/s ({o.BacklogWorkers} workers) |\n");
    sb.Append("| --- | --- |");
    sb.Append(string.Concat(Enumerable.Repeat(" ---: |", (o.Workers.Count * 2) + 3)));
    sb.Append('\n');
    foreach (var kind in kinds)
    {
        CellResult? Find(string scenario, int w) => results.FirstOrDefault(r => r.Target == kind.Name && r.Scenario == scenario && r.Workers == w);
        string Cell(CellResult? r, Func<CellResult, string> text) => r is null ? "—" : r.Error is null ? text(r) : "error";
        sb.Append(inv, $"| {kind.Name} | {(kind.Durable ? "yes" : "**no**")} |");
        foreach (var w in o.Workers)
        {
            sb.Append(inv, $" {Cell(Find("throughput", w), r => r.JobsPerSecond.ToString("N0", inv) + (r.Jobs < o.Jobs ? $" ({r.Jobs:N0} jobs)" : ""))} |");
        }

        foreach (var w in o.Workers)
        {
            sb.Append(inv, $" {Cell(Find("latency", w), r => r.P50Ms.ToString("F1", inv) + " / " + r.P99Ms.ToString("F1", inv))} |");
        }

        var backlog = Find("backlog", o.BacklogWorkers);
        sb.Append(inv, $" {Cell(backlog, r => r.Jobs.ToString("N0", inv))} | {Cell(backlog, r => r.EnqueuesPerSecond.ToString("N0", inv))} | {Cell(backlog, r => r.JobsPerSecond.ToString("N0", inv) + (r.Note is null ? "" : " *"))} |\n");
    }

    sb.Append('\n');
    foreach (var kind in kinds)
    {
        sb.Append(inv, $"- **{kind.Name}**: {kind.Description}\n");
    }

    sb.Append(inv, $"- Throughput: {o.Jobs:N0} no-op jobs (or as many as the enqueuers made in {o.EnqueueLimit.TotalSeconds:0} s) enqueued by {o.Enqueuers} concurrent enqueuers while the workers run; jobs/s from the first enqueue call to the last job's start. ");
    sb.Append(inv, $"Start latency: {o.LatencyRate} jobs/s enqueued one at a time for {o.LatencySeconds:0.#} s; from the enqueue call's start to the job's start. ");
    sb.Append(inv, $"Backlog: {o.Backlog:N0} jobs (or as many as were made in {o.BacklogLimit.TotalSeconds:0} s) enqueued by {Math.Max(o.Enqueuers, 8)} enqueuers with no worker running, then {o.BacklogWorkers} workers started; drain jobs/s from the workers' start to the last job's start (* : measured over the first {o.DrainLimit.TotalSeconds:0} s, the backlog was not drained by then). ");
    sb.Append(inv, $"Every cell on fresh storage, after {Scenarios.WarmupJobs} unmeasured warm-up jobs (not in the backlog cell).\n");
    foreach (var r in results.Where(r => r.Error is not null || r.Note is not null))
    {
        sb.Append(inv, $"- {(r.Error is null ? "note" : "error")} in {r.Target} {r.Scenario} ({r.Workers} workers): {r.Error ?? r.Note}\n");
    }

    return sb.ToString();
}
