using System.Numerics;

namespace Cairn.Bench;

/// <summary>
/// A log-linear latency histogram in the style of HdrHistogram: values below 128 ns are counted exactly, above that
/// each power of two is split into 64 linear sub-buckets, so any recorded value is reported within 1/64 (≈1.6 %)
/// of the truth, from nanoseconds to hours, in a fixed array of ~3,800 longs.
/// </summary>
/// <remarks>
/// Written here rather than taken from a package because the HdrHistogram .NET package is not among the packages
/// available to this build (no NuGet access beyond the pinned set in Directory.Packages.props), and 60 lines cover
/// what the benchmark needs: record, merge, percentile. Each client owns one histogram (no locks, no sharing in the
/// measured loop); they are merged after the run.
/// </remarks>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;                       // 64 sub-buckets per power of two
    private const int SubBuckets = 1 << SubBucketBits;         // 64
    private const int LinearLimit = SubBuckets * 2;            // values below 128 get their own bucket
    private const int BucketCount = LinearLimit + ((63 - SubBucketBits) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public double Sum { get; private set; }

    /// <summary>Counts one value (nanoseconds, but any non-negative unit works).</summary>
    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }

        _counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        Max = Math.Max(Max, value);
        Min = Math.Min(Min, value);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of the recorded values lie (bucket upper bound, capped at the max).</summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        // msb >= 7 here; keep the top 7 bits (64..127), i.e. 6 bits below the leading one.
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - SubBucketBits;
        var top = (int)(value >> shift);                       // 64..127
        return LinearLimit + ((msb - (SubBucketBits + 1)) * SubBuckets) + (top - SubBuckets);
    }

    internal static long UpperBound(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var k = (index - LinearLimit) / SubBuckets;            // msb - 7
        var top = ((index - LinearLimit) % SubBuckets) + SubBuckets;
        var shift = k + 1;                                     // msb - 6
        return ((long)(top + 1) << shift) - 1;
    }
}
