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
    long Errors)
{
    /// <summary>Server CPU per operation in microseconds (= ms per 1,000 operations); -1 if not measured.</summary>
    public double CpuMicrosPerOp => Cpu1k < 0 ? -1 : Cpu1k * 1000;

    /// <summary>The throughput spread over the repetitions, e.g. <c>(22,900–24,100)</c>; empty for one repetition.</summary>
    public string Spread => Reps > 1 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({OpsMin:N0}–{OpsMax:N0})") : "";
}
