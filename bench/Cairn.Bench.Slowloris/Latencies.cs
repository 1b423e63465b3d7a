using System.Globalization;

namespace Cairn.Bench.Slowloris;

/// <summary>The latencies of one phase (every round pooled) and its failed requests.</summary>
internal sealed class Latencies
{
    private readonly List<double> _milliseconds = [];

    public int Errors { get; private set; }

    public string? FirstError { get; private set; }

    public int Count => _milliseconds.Count;

    public void Add(IEnumerable<double> milliseconds, int errors, string? firstError)
    {
        _milliseconds.AddRange(milliseconds);
        Errors += errors;
        FirstError ??= firstError;
    }

    public double Percentile(double p)
    {
        if (_milliseconds.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _milliseconds.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public double Mean => _milliseconds.Count == 0 ? double.NaN : _milliseconds.Average();

    public double Max => _milliseconds.Count == 0 ? double.NaN : _milliseconds.Max();

    public Dictionary<string, object?> ToJson() => new()
    {
        ["requests"] = Count,
        ["errors"] = Errors,
        ["first_error"] = FirstError,
        ["p50_ms"] = Round(Percentile(50)),
        ["p90_ms"] = Round(Percentile(90)),
        ["p99_ms"] = Round(Percentile(99)),
        ["max_ms"] = Round(Max),
        ["mean_ms"] = Round(Mean),
    };

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Count} requests, {Errors} errors: p50 {Percentile(50):0.00} ms, p90 {Percentile(90):0.00} ms, p99 {Percentile(99):0.00} ms, max {Max:0.0} ms");

    private static double Round(double value) => double.IsNaN(value) ? -1 : Math.Round(value, 3);
}
