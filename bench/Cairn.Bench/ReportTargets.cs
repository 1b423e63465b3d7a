using System.Text;

namespace Cairn.Bench;

internal static partial class Report
{
    /// <summary>The speed targets, each checked against this run: met or missed, and by how much.</summary>
    internal static void RenderTargets(StringBuilder sb, List<Cell> cells)
    {
        const string Phase = "durable/unpinned";
        // The CPU-cost targets are judged where the server has one core to itself and the load generator another.
        const string CpuPhase = "durable/pinned";
        sb.AppendLine("## Targets");
        sb.AppendLine();
        sb.AppendLine("Checked against this run: durable tier, unpinned, except the server-CPU targets, which are judged on the **pinned** run (the server alone on CPU 0, the load generator on CPU 1), the headline for CPU cost. Cairn at its best transport for the cell, named as etcd's is (HTTP/1.1 `unix` or `tcp`, or etcd's gRPC API `grpc` / `grpc-unix`), unless the target names one; ZooKeeper's min–max over its repetitions is given where it is the peer.");
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

        // "12,345 ops/s (grpc)", with ZooKeeper's spread over its repetitions.
        static string Label(Cell c) => c.Target == "zookeeper"
            ? $"{c.Ops:N0} ops/s {c.Spread}".TrimEnd()
            : $"{c.Ops:N0} ops/s ({c.Transport})";

        void Throughput(string what, Cell? cairn, Cell? peer, double factor)
        {
            if (cairn is null || peer is null)
            {
                Row(what, "–", null, "");
                return;
            }

            var ratio = cairn.Ops / peer.Ops;
            Row(what, $"{Label(cairn)} vs {Label(peer)} = {ratio:F2}×", ratio >= factor, $"{cairn.Ops / (factor * peer.Ops) * 100:F0} % of the target, {factor * peer.Ops - cairn.Ops:N0} ops/s short");
        }

        void Below(string what, Cell? cairn, Cell? peer)
        {
            if (cairn is null || peer is null)
            {
                Row(what, "–", null, "");
                return;
            }

            Row(what, $"{cairn.P99:F2} ({cairn.Transport}) vs {peer.P99:F2} ms ({peer.Transport})", cairn.P99 < peer.P99, $"{cairn.P99 / peer.P99:F2}× the peer's");
        }

        void Cpu(string what, Cell? cairn, double limitMicros)
        {
            if (cairn is null || cairn.CpuMicrosPerOp < 0)
            {
                Row(what, "–", null, "");
                return;
            }

            var us = cairn.CpuMicrosPerOp;
            Row(what, $"{us:F1} µs/op ({cairn.Transport}, {cairn.Ops:N0} ops/s)", us <= limitMicros, $"{us / limitMicros:F2}× the limit, {us - limitMicros:F1} µs over");
        }

        var zkPut = Find(cells, Phase, "zookeeper", "native", "put", 64);
        var zkGet = Find(cells, Phase, "zookeeper", "native", "get", 64);
        var etcdPut = BestEtcd(cells, Phase, "put", 64);
        var put = BestCairn(cells, Phase, "cairn", "put", 64);
        var get = BestCairn(cells, Phase, "cairn", "get", 64);
        var unixPut = Find(cells, Phase, "cairn", "unix", "put", 64);
        var unixGet = Find(cells, Phase, "cairn", "unix", "get", 64);
        Throughput("durable overwrite puts, 64 clients ≥ 2× etcd", put, etcdPut, 2);
        Throughput("durable overwrite puts, 64 clients ≥ 1.5× ZooKeeper", put, zkPut, 1.5);
        Throughput("point gets, 64 clients ≥ 2× ZooKeeper", get, zkGet, 2);
        Below("p99 of puts at 64 clients below etcd's", put, etcdPut);
        Below("p99 of puts at 64 clients below ZooKeeper's", put, zkPut);
        Below("p99 of gets at 64 clients below etcd's", get, BestEtcd(cells, Phase, "get", 64));
        Below("p99 of gets at 64 clients below ZooKeeper's", get, zkGet);
        Throughput("HTTP/1.1 puts over the Unix socket, 64 clients ≥ ZooKeeper's", unixPut, zkPut, 1);
        Throughput("HTTP/1.1 gets over the Unix socket, 64 clients ≥ 80 % of the HTTP ceiling (nginx static, Unix socket)", unixGet, Find(cells, Phase, "nginx", "unix", "get", 64), 0.8);
        Cpu("server CPU per durable put ≤ 25 µs (pinned, 64 clients)", BestCairn(cells, CpuPhase, "cairn", "put", 64), 25);
        Cpu("server CPU per get ≤ 15 µs (pinned, 64 clients)", BestCairn(cells, CpuPhase, "cairn", "get", 64), 15);
        foreach (var workload in new[] { "put", "get" })
        {
            var over = BestCairn(cells, Phase, "cairn-etcd", workload, 16);
            var etcd = Find(cells, Phase, "etcd", "grpc", workload, 16);
            var what = $"Cairn on etcd adds ≤ 30 % latency to etcd's own ({workload}, 16 clients, p50)";
            if (over is null || etcd is null)
            {
                Row(what, "–", null, "");
                continue;
            }

            var added = over.P50 / etcd.P50 - 1;
            Row(what, $"{over.P50:F2} ({over.Transport}) vs {etcd.P50:F2} ms (grpc) = {added * 100:+0;-0} % (p99 {over.P99:F2} vs {etcd.P99:F2} ms)", added <= 0.30, $"adds {added * 100:F0} %");
        }

        foreach (var (workload, factor) in new[] { ("put", 2.0), ("get", 1.3) })
        {
            var over = BestCairn(cells, Phase, "cairn-zk", workload, 16);
            var zk = Find(cells, Phase, "zookeeper", "native", workload, 16);
            var what = $"Cairn on ZooKeeper: {workload} latency ≤ {factor:0.#}× ZooKeeper's own (16 clients, p50 and p99)";
            if (over is null || zk is null)
            {
                Row(what, "–", null, "");
                continue;
            }

            var p50 = over.P50 / zk.P50;
            var p99 = over.P99 / zk.P99;
            Row(what, $"p50 {over.P50:F2} ({over.Transport}) vs {zk.P50:F2} ms = {p50:F2}×; p99 {over.P99:F2} vs {zk.P99:F2} ms = {p99:F2}×",
                p50 <= factor && p99 <= factor, $"p50 {p50:F2}×, p99 {p99:F2}×");
        }

        Below("put-to-watch-event p99 below etcd's", BestCairn(cells, Phase, "cairn", "watch", 1), Find(cells, Phase, "etcd", "grpc", "watch", 1));
        sb.AppendLine();
    }
}
