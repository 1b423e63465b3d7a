using System.Diagnostics.Metrics;
using Cairn.Core.Concurrency;

namespace Cairn.Extensions;

/// <summary>How busy the extension runner is, for /metrics: runs going on, calls waiting for a turn, calls refused.</summary>
internal static class ExtensionMetrics
{
    public const string MeterName = "Cairn.Extensions";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>The runner's admission gate reports here.</summary>
    public static readonly WorkGateInstruments Gate = new(
        Meter.CreateUpDownCounter<long>("cairn_extension_runs_running", unit: "{run}", description: "Extension runs going on now (Extensions:MaxConcurrent at most)."),
        Meter.CreateUpDownCounter<long>("cairn_extension_runs_queued", unit: "{call}", description: "Extension calls waiting for a turn now (Extensions:MaxQueued at most)."),
        Meter.CreateCounter<long>("cairn_extension_runs_refused_total", unit: "{call}", description: "Extension calls refused with 503: the queue was full or the wait longer than Extensions:QueueTimeout."));
}
