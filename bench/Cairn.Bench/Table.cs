using System.Globalization;

namespace Cairn.Bench;

/// <summary>The human-readable table printed while the matrix runs.</summary>
internal static class Table
{
    public static string Header { get; } =
        $"{"target",-10} {"workload",-8} {"transport",-9} {"clients",7} {"ops/s",10} {"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"cpu/1k",7} {"errors",6}";

    public static string Row(CellResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"{r.Target,-10} {r.Workload,-8} {r.Transport,-9} {r.Clients,7} {r.OpsPerSecond,10:F0} {r.P50Ms,8:F3} {r.P99Ms,8:F3} {r.P999Ms,9:F3} {r.CpuSecondsPer1kOps,7:F3} {r.Errors,6}");
}
