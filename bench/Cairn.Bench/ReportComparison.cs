using System.Globalization;
using System.Text;

namespace Cairn.Bench;

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

    private static readonly string[] CairnTransports = ["unix", "tcp", "grpc", "grpc-unix"];
    private static readonly string[] GrpcTransports = ["grpc", "grpc-unix"];

    // The target's best transport for this cell: the highest throughput, or for the watch (one client, no throughput)
    // the lowest median latency. One transport per cell is then used for every figure of that cell, so a comparison
    // never mixes one transport's throughput with another's tail.
    private static Cell? Best(List<Cell> cells, string phase, string target, string workload, int clients, IEnumerable<string> transports)
    {
        var candidates = transports.Select(t => Find(cells, phase, target, t, workload, clients)).OfType<Cell>().ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        return workload == "watch" ? candidates.MinBy(c => c.P50) : candidates.MaxBy(c => c.Ops);
    }

    // etcd's faster transport for this cell (gRPC almost always): the ratio is against etcd at its best. Its watch is
    // timed on the gRPC stream only.
    private static Cell? BestEtcd(List<Cell> cells, string phase, string workload, int clients) =>
        Best(cells, phase, "etcd", workload, clients, workload == "watch" ? ["grpc"] : ["grpc", "json"]);

    /// <summary>Cairn (or Cairn on etcd / on ZooKeeper) at its best transport: HTTP/1.1 on its Unix socket or TCP, or
    /// etcd's gRPC API.</summary>
    private static Cell? BestCairn(List<Cell> cells, string phase, string target, string workload, int clients) =>
        Best(cells, phase, target, workload, clients, CairnTransports);

    private static string Ops(Cell? c) => c is null ? "–" : c.Ops.ToString("N0", Inv);

    // Throughput with the transport it was measured on, as "12,345 (grpc)".
    private static string Named(Cell? c) => c is null ? "–" : $"{Ops(c)} ({c.Transport})";

    private static string Ms(Cell? c, Func<Cell, double> pick) => c is null ? "–" : pick(c).ToString(pick(c) < 10 ? "F2" : "F1", Inv);

    private static string Micros(Cell? c) => c is null || c.CpuMicrosPerOp < 0 ? "–" : c.CpuMicrosPerOp.ToString(c.CpuMicrosPerOp < 10 ? "F1" : "F0", Inv);

    private static string Ratio(double? a, double? b) => a is > 0 && b is > 0 ? (a.Value / b.Value).ToString("F2", Inv) + "×" : "–";

    /// <summary>Ratio tables: Cairn ÷ etcd and Cairn ÷ ZooKeeper for each workload and client count, per phase, with
    /// every target's server CPU per operation.</summary>
    internal static void RenderComparison(StringBuilder sb, List<Cell> cells)
    {
        sb.AppendLine("## Cairn, etcd and ZooKeeper side by side");
        sb.AppendLine();
        sb.AppendLine("Throughput ratios are Cairn at its best transport for the cell (named: HTTP/1.1 on its Unix socket or TCP, or etcd's gRPC API) ÷ the peer (etcd at its better transport, named); above 1× Cairn is faster. Latency ratios are p99 ÷ p99 of the same cells; below 1× Cairn is faster. *Cairn unix* and *Cairn tcp* are Cairn's own HTTP/1.1 API; *Cairn grpc* is the same server through etcd's v3 gRPC API (`--etcd-listen`), driven by exactly the client of etcd's gRPC cells (dotnet-etcd, one multiplexed HTTP/2 channel). *Cairn on etcd* and *Cairn on ZK* are shown at their best transport. ZooKeeper's throughput carries its min–max over the repetitions, since its JVM makes it the figure that moves most between runs.");
        sb.AppendLine();
        sb.AppendLine("*Server CPU µs/op* is the user + system CPU of the server process(es) per completed operation (= ms per 1,000 operations), for the same cells as the ratios (Cairn on etcd and on ZooKeeper count both processes). The **pinned** phase is the headline for CPU cost: there the server has CPU 0 to itself and the load generator runs on CPU 1, so nothing else's work is counted or competes; the CPU targets are judged on it.");
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
            sb.AppendLine("| workload | clients | Cairn unix ops/s | Cairn tcp ops/s | Cairn grpc ops/s | Cairn on etcd ops/s | Cairn on ZK ops/s | etcd ops/s | ZooKeeper ops/s | **Cairn ÷ etcd** | **Cairn ÷ ZK** | p99 ms Cairn / etcd / ZK | p99 Cairn ÷ etcd | p99 Cairn ÷ ZK | server CPU µs/op Cairn / on etcd / on ZK / etcd / ZK |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
            foreach (var (workload, clients) in rows)
            {
                var unix = Find(cells, phase, "cairn", "unix", workload, clients);
                var tcp = Find(cells, phase, "cairn", "tcp", workload, clients);
                var grpc = Best(cells, phase, "cairn", workload, clients, GrpcTransports);
                var cairn = BestCairn(cells, phase, "cairn", workload, clients);
                var onEtcd = BestCairn(cells, phase, "cairn-etcd", workload, clients);
                var onZk = BestCairn(cells, phase, "cairn-zk", workload, clients);
                var etcd = BestEtcd(cells, phase, workload, clients);
                var zk = Find(cells, phase, "zookeeper", "native", workload, clients);
                var cpu = $"{Micros(cairn)} / {Micros(onEtcd)} / {Micros(onZk)} / {Micros(etcd)} / {Micros(zk)}";
                // A ratio names the Cairn transport it was taken on.
                string Vs(double? a, double? b) => Ratio(a, b) is var r && r != "–" ? $"{r} {cairn!.Transport}" : r;
                if (workload == "watch")
                {
                    // One watcher in a closed loop: the latency is the result, throughput is not comparable.
                    string P50(Cell? c, bool named = false) => c is null ? "–" : $"p50 {Ms(c, x => x.P50)} ms" + (named ? $" ({c.Transport})" : "");
                    sb.AppendLine(Inv, $"| watch (put→event) | 1 | {P50(unix)} | {P50(tcp)} | {P50(grpc, named: true)} | {P50(onEtcd, named: true)} | {P50(onZk, named: true)} | {P50(etcd, named: true)} | {P50(zk)} | – | – | {Ms(cairn, c => c.P99)} / {Ms(etcd, c => c.P99)} / {Ms(zk, c => c.P99)} | {Vs(cairn?.P99, etcd?.P99)} | {Vs(cairn?.P99, zk?.P99)} | {cpu} |");
                    continue;
                }

                var zkOps = zk is null ? "–" : $"{Ops(zk)} {zk.Spread}".TrimEnd();
                sb.AppendLine(Inv, $"| {workload} | {clients} | {Ops(unix)} | {Ops(tcp)} | {Named(grpc)} | {Named(onEtcd)} | {Named(onZk)} | {Named(etcd)} | {zkOps} | **{Vs(cairn?.Ops, etcd?.Ops)}** | **{Vs(cairn?.Ops, zk?.Ops)}** | {Ms(cairn, c => c.P99)} / {Ms(etcd, c => c.P99)} / {Ms(zk, c => c.P99)} | {Ratio(cairn?.P99, etcd?.P99)} | {Ratio(cairn?.P99, zk?.P99)} | {cpu} |");
            }

            sb.AppendLine();
        }
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
