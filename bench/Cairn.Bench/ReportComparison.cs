using System.Globalization;
using System.Text;

namespace Cairn.Bench;

/// <summary>One cell of the matrix over its repetitions: medians, and the spread of throughput.</summary>
internal sealed record Cell(
    string Tier,
    string Pinning,
    string Target,
    string Transport,
    string Workload,
    int Clients,
    int Reps,
    double Ops,
    double OpsMin,
    double OpsMax,
    double P50,
    double P99,
    double P999,
    double Cpu1k,
    long Errors);

internal static partial class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] WorkloadOrder = ["put", "create", "get", "cas", "mix", "watch"];
    private static readonly string[] PhaseOrder = ["durable/unpinned", "durable/pinned", "nondurable/unpinned", "nondurable/pinned"];

    internal static List<Cell> Aggregate(IEnumerable<CellResult> results) =>
        [.. results
            .GroupBy(r => (r.Tier, r.Pinning, r.Target, r.Transport, r.Workload, r.Clients))
            .Select(g =>
            {
                var ops = g.Select(r => r.OpsPerSecond).ToList();
                var cpu = g.Select(r => r.CpuSecondsPer1kOps).Where(c => c >= 0).ToList();
                return new Cell(g.Key.Tier, g.Key.Pinning, g.Key.Target, g.Key.Transport, g.Key.Workload, g.Key.Clients, g.Count(),
                    Median(ops), ops.Min(), ops.Max(), Median(g.Select(r => r.P50Ms)), Median(g.Select(r => r.P99Ms)),
                    Median(g.Select(r => r.P999Ms)), cpu.Count == 0 ? -1 : Median(cpu), g.Sum(r => r.Errors));
            })];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return 0;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static int WorkloadRank(string w) => Array.IndexOf(WorkloadOrder, w) is var i and >= 0 ? i : WorkloadOrder.Length;

    private static IEnumerable<string> Phases(List<Cell> cells) =>
        cells.Select(c => $"{c.Tier}/{c.Pinning}").Distinct().OrderBy(p => Array.IndexOf(PhaseOrder, p) is var i and >= 0 ? i : PhaseOrder.Length);

    private static Cell? Find(List<Cell> cells, string phase, string target, string transport, string workload, int clients) =>
        cells.FirstOrDefault(c => $"{c.Tier}/{c.Pinning}" == phase && c.Target == target && c.Transport == transport && c.Workload == workload && c.Clients == clients);

    // etcd's faster transport for this cell (gRPC almost always): the ratio is against etcd at its best.
    private static Cell? BestEtcd(List<Cell> cells, string phase, string workload, int clients)
    {
        var grpc = Find(cells, phase, "etcd", "grpc", workload, clients);
        var json = Find(cells, phase, "etcd", "json", workload, clients);
        if (workload == "watch")
        {
            return grpc ?? json;
        }

        return grpc is null ? json : json is null ? grpc : (grpc.Ops >= json.Ops ? grpc : json);
    }

    private static string Ops(Cell? c) => c is null ? "–" : c.Ops.ToString("N0", Inv);

    private static string Ms(Cell? c, Func<Cell, double> pick) => c is null ? "–" : pick(c).ToString(pick(c) < 10 ? "F2" : "F1", Inv);

    private static string Ratio(double? a, double? b) => a is > 0 && b is > 0 ? (a.Value / b.Value).ToString("F2", Inv) + "×" : "–";

    /// <summary>Ratio tables: Cairn ÷ etcd and Cairn ÷ ZooKeeper for each workload and client count, per phase.</summary>
    internal static void RenderComparison(StringBuilder sb, List<Cell> cells)
    {
        sb.AppendLine("## Cairn, etcd and ZooKeeper side by side");
        sb.AppendLine();
        sb.AppendLine("Throughput ratios are Cairn over the Unix socket ÷ the peer (etcd at its better transport, named); above 1× Cairn is faster. Latency ratios are p99 ÷ p99; below 1× Cairn is faster. *Cairn tcp* is the same server over loopback TCP.");
        sb.AppendLine();
        foreach (var phase in Phases(cells))
        {
            var rows = cells.Where(c => $"{c.Tier}/{c.Pinning}" == phase && c.Target is "cairn" or "etcd" or "zookeeper" or "cairn-etcd" or "cairn-zk")
                .Select(c => (c.Workload, c.Clients)).Distinct()
                .OrderBy(r => WorkloadRank(r.Workload)).ThenBy(r => r.Clients).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            sb.AppendLine(Inv, $"### {phase}");
            sb.AppendLine();
            sb.AppendLine("| workload | clients | Cairn unix ops/s | Cairn tcp ops/s | Cairn on etcd ops/s | Cairn on ZK ops/s | etcd ops/s | ZooKeeper ops/s | **Cairn ÷ etcd** | **Cairn ÷ ZK** | p99 ms Cairn / etcd / ZK | p99 Cairn ÷ etcd | p99 Cairn ÷ ZK |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
            foreach (var (workload, clients) in rows)
            {
                var cairn = Find(cells, phase, "cairn", "unix", workload, clients);
                var tcp = Find(cells, phase, "cairn", "tcp", workload, clients);
                var onEtcd = Find(cells, phase, "cairn-etcd", "unix", workload, clients);
                var onZk = Find(cells, phase, "cairn-zk", "unix", workload, clients);
                var etcd = BestEtcd(cells, phase, workload, clients);
                var zk = Find(cells, phase, "zookeeper", "native", workload, clients);
                var etcdLabel = etcd is null ? "–" : $"{Ops(etcd)} ({etcd.Transport})";
                if (workload == "watch")
                {
                    // One watcher in a closed loop: the latency is the result, throughput is not comparable.
                    sb.AppendLine(Inv, $"| watch (put→event) | 1 | p50 {Ms(cairn, c => c.P50)} ms | p50 {Ms(tcp, c => c.P50)} ms | p50 {Ms(onEtcd, c => c.P50)} ms | p50 {Ms(onZk, c => c.P50)} ms | p50 {Ms(etcd, c => c.P50)} ms | p50 {Ms(zk, c => c.P50)} ms | – | – | {Ms(cairn, c => c.P99)} / {Ms(etcd, c => c.P99)} / {Ms(zk, c => c.P99)} | {Ratio(cairn?.P99, etcd?.P99)} | {Ratio(cairn?.P99, zk?.P99)} |");
                    continue;
                }

                sb.AppendLine(Inv, $"| {workload} | {clients} | {Ops(cairn)} | {Ops(tcp)} | {Ops(onEtcd)} | {Ops(onZk)} | {etcdLabel} | {Ops(zk)} | **{Ratio(cairn?.Ops, etcd?.Ops)}** | **{Ratio(cairn?.Ops, zk?.Ops)}** | {Ms(cairn, c => c.P99)} / {Ms(etcd, c => c.P99)} / {Ms(zk, c => c.P99)} | {Ratio(cairn?.P99, etcd?.P99)} | {Ratio(cairn?.P99, zk?.P99)} |");
            }

            sb.AppendLine();
        }
    }

    /// <summary>The speed targets, each checked against this run: met or missed, and by how much.</summary>
    internal static void RenderTargets(StringBuilder sb, List<Cell> cells)
    {
        const string Phase = "durable/unpinned";
        sb.AppendLine("## Targets");
        sb.AppendLine();
        sb.AppendLine("Checked against this run (durable, unpinned; Cairn over its Unix socket unless said otherwise):");
        sb.AppendLine();
        sb.AppendLine("| target | measured | result |");
        sb.AppendLine("|---|---|---|");

        void Row(string what, string measured, bool? met, string shortfall)
        {
            var result = met switch
            {
                true => "met",
                false => $"**missed** ({shortfall})",
                null => "not measured in this run",
            };
            sb.AppendLine(Inv, $"| {what} | {measured} | {result} |");
        }

        void Throughput(string what, Cell? cairn, Cell? peer, double factor)
        {
            if (cairn is null || peer is null)
            {
                Row(what, "–", null, "");
                return;
            }

            var ratio = cairn.Ops / peer.Ops;
            Row(what, $"{cairn.Ops:N0} vs {peer.Ops:N0} ops/s = {ratio:F2}×", ratio >= factor, $"{cairn.Ops / (factor * peer.Ops) * 100:F0} % of the target, {factor * peer.Ops - cairn.Ops:N0} ops/s short");
        }

        void Below(string what, Cell? cairn, Cell? peer)
        {
            if (cairn is null || peer is null)
            {
                Row(what, "–", null, "");
                return;
            }

            Row(what, $"{cairn.P99:F2} vs {peer.P99:F2} ms", cairn.P99 < peer.P99, $"{cairn.P99 / peer.P99:F2}× the peer's");
        }

        var zkPut = Find(cells, Phase, "zookeeper", "native", "put", 64);
        var etcdPut = BestEtcd(cells, Phase, "put", 64);
        var put = Find(cells, Phase, "cairn", "unix", "put", 64);
        Throughput("durable overwrite puts, 64 clients ≥ 2× ZooKeeper", put, zkPut, 2);
        Throughput("durable overwrite puts, 64 clients ≥ 3× etcd", put, etcdPut, 3);
        var get = Find(cells, Phase, "cairn", "unix", "get", 64);
        Throughput("point gets, 64 clients ≥ 2× ZooKeeper", get, Find(cells, Phase, "zookeeper", "native", "get", 64), 2);
        Throughput("point gets over the Unix socket, 64 clients ≥ 80 % of the HTTP ceiling (nginx static, Unix socket)", get, Find(cells, Phase, "nginx", "unix", "get", 64), 0.8);
        Below("p99 of puts at 64 clients below etcd's", put, etcdPut);
        Below("p99 of puts at 64 clients below ZooKeeper's", put, zkPut);
        Below("p99 of gets at 64 clients below etcd's", get, BestEtcd(cells, Phase, "get", 64));
        Below("p99 of gets at 64 clients below ZooKeeper's", get, Find(cells, Phase, "zookeeper", "native", "get", 64));
        foreach (var workload in new[] { "put", "get" })
        {
            var over = Find(cells, Phase, "cairn-etcd", "unix", workload, 16);
            var etcd = Find(cells, Phase, "etcd", "grpc", workload, 16);
            if (over is null || etcd is null)
            {
                Row($"Cairn on etcd adds ≤ 30 % latency to etcd's own ({workload}, 16 clients, p50)", "–", null, "");
                continue;
            }

            var added = over.P50 / etcd.P50 - 1;
            Row($"Cairn on etcd adds ≤ 30 % latency to etcd's own ({workload}, 16 clients, p50)",
                $"{over.P50:F2} vs {etcd.P50:F2} ms = {added * 100:+0;-0} % (p99 {over.P99:F2} vs {etcd.P99:F2} ms)", added <= 0.30, $"adds {added * 100:F0} %");
        }

        foreach (var (workload, factor) in new[] { ("put", 2.0), ("get", 1.3) })
        {
            var over = Find(cells, Phase, "cairn-zk", "unix", workload, 16);
            var zk = Find(cells, Phase, "zookeeper", "native", workload, 16);
            var what = $"Cairn on ZooKeeper: {workload} latency ≤ {factor:0.#}× ZooKeeper's own (16 clients, p50 and p99)";
            if (over is null || zk is null)
            {
                Row(what, "–", null, "");
                continue;
            }

            var p50 = over.P50 / zk.P50;
            var p99 = over.P99 / zk.P99;
            Row(what, $"p50 {over.P50:F2} vs {zk.P50:F2} ms = {p50:F2}×; p99 {over.P99:F2} vs {zk.P99:F2} ms = {p99:F2}×",
                p50 <= factor && p99 <= factor, $"p50 {p50:F2}×, p99 {p99:F2}×");
        }

        Below("put-to-watch-event p99 below etcd's", Find(cells, Phase, "cairn", "unix", "watch", 1), Find(cells, Phase, "etcd", "grpc", "watch", 1));
        sb.AppendLine();
    }

    /// <summary>Every comparison cell: throughput with its spread, latency percentiles, server CPU per 1,000 operations.</summary>
    private static void RenderFull(StringBuilder sb, List<Cell> cells)
    {
        sb.AppendLine("## All cells");
        sb.AppendLine();
        foreach (var phase in Phases(cells))
        {
            var rows = cells.Where(c => $"{c.Tier}/{c.Pinning}" == phase && c.Workload is "put" or "create" or "get" or "cas" or "mix" or "watch")
                .OrderBy(c => WorkloadRank(c.Workload)).ThenBy(c => c.Clients).ThenBy(c => c.Target, StringComparer.Ordinal).ThenBy(c => c.Transport, StringComparer.Ordinal)
                .ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            sb.AppendLine(Inv, $"### {phase}");
            sb.AppendLine();
            sb.AppendLine("| workload | clients | target | transport | ops/s median (min–max) | p50 ms | p99 ms | p99.9 ms | server CPU-s / 1k ops | reps | errors |");
            sb.AppendLine("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var c in rows)
            {
                var ops = c.Workload == "watch" ? "–" : $"{c.Ops:N0} ({c.OpsMin:N0}–{c.OpsMax:N0})";
                var cpu = c.Cpu1k < 0 ? "–" : c.Cpu1k.ToString("F3", Inv);
                sb.AppendLine(Inv, $"| {c.Workload} | {c.Clients} | {c.Target} | {c.Transport} | {ops} | {c.P50:F3} | {c.P99:F3} | {c.P999:F3} | {cpu} | {c.Reps} | {c.Errors} |");
            }

            sb.AppendLine();
        }
    }

    /// <summary>Cairn's own cells with no peer: journal appends and 1 MiB blobs.</summary>
    private static void RenderCairnOnly(StringBuilder sb, List<Cell> cells)
    {
        var rows = cells.Where(c => c.Workload is "journal" or "blobput" or "blobget").OrderBy(c => c.Workload, StringComparer.Ordinal).ThenBy(c => c.Clients).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        sb.AppendLine("## Cairn's own workloads");
        sb.AppendLine();
        sb.AppendLine("- `journal`: the seed's own call, `POST /compat/journal/{txid}/{step}` with the seed's ~350-byte example message over the Unix socket, each client walking its own requests through begin, authorization, commit; durable.");
        sb.AppendLine("- `blobput` / `blobget`: `PUT` / `GET /v1/blobs/bench/blob-{i}` of a random one of 64 preloaded 1 MiB blobs over the Unix socket; a put streams a new volume file (checksummed, fsynced, renamed) and then commits its key, and the old file is removed; MiB/s = ops/s.");
        sb.AppendLine();
        sb.AppendLine("| workload | clients | transport | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU-s / 1k ops | errors |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var c in rows)
        {
            var cpu = c.Cpu1k < 0 ? "–" : c.Cpu1k.ToString("F3", Inv);
            sb.AppendLine(Inv, $"| {c.Workload} | {c.Clients} | {c.Transport} | {c.Ops:N0} | {c.P50:F3} | {c.P99:F3} | {c.P999:F3} | {cpu} | {c.Errors} |");
        }

        sb.AppendLine();
    }
}
