using System.Diagnostics.Metrics;

namespace Cairn.Storage.Sqlite;

/// <summary>What the writer does, for /metrics: how many writes share each commit, and how long a commit takes.</summary>
internal static class SqliteMetrics
{
    public const string MeterName = "Cairn.Storage.Sqlite";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Write requests per committed batch: above 1 means group commit is sharing fsyncs.</summary>
    public static readonly Histogram<double> BatchSize = Meter.CreateHistogram<double>(
        "cairn_sqlite_batch_requests", unit: "{request}", description: "Write requests committed together in one transaction (one fsync).");

    /// <summary>Time from BEGIN to the end of COMMIT (the fsync included).</summary>
    public static readonly Histogram<double> CommitSeconds = Meter.CreateHistogram<double>(
        "cairn_sqlite_commit_seconds", unit: "s", description: "Duration of one write batch, fsync included.");

    /// <summary>
    /// Creates the instruments now rather than at the first commit: some exporters (prometheus-net's meter adapter)
    /// only pick up instruments that exist when they start listening.
    /// </summary>
    public static void EnsureCreated() => GC.KeepAlive(Meter);

    /// <summary>Batches that failed and were rolled back.</summary>
    public static readonly Counter<long> FailedBatches = Meter.CreateCounter<long>(
        "cairn_sqlite_failed_batches_total", unit: "{batch}", description: "Write batches rolled back because the store could not commit them.");
}
