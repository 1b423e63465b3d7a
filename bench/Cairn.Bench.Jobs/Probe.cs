using System.Diagnostics;

namespace Cairn.Bench.Jobs;

/// <summary>
/// What every target's no-op job calls when it starts: counts the job and, in the latency scenario, records how long
/// after its enqueue call started it began. One static probe for all targets because a Hangfire job is a static method
/// found by reflection (it cannot capture a per-run object), and the Cairn handler calls the same code so that both
/// sides pay the same cost. Timestamps are <see cref="Stopwatch"/> ticks of this process: enqueuer and workers run in
/// the benchmark process for every target, so there is no clock to compare across processes.
/// </summary>
internal static class Probe
{
    private static long _completed;
    private static long _target = long.MaxValue;
    private static long _lastRun;
    private static long[]? _latencies;
    private static long _latencyCount;
    private static TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Jobs run since the last <see cref="Reset"/>.</summary>
    public static long Completed => Interlocked.Read(ref _completed);

    /// <summary>The <see cref="Stopwatch"/> timestamp of the latest job start (once all ran: the last one's).</summary>
    public static long LastCompletion => Interlocked.Read(ref _lastRun);

    /// <summary>Completes when the target number of jobs have run.</summary>
    public static Task Done => _done.Task;

    /// <summary>Starts counting afresh, towards <paramref name="target"/> jobs (<see cref="long.MaxValue"/>: not known
    /// yet, see <see cref="SetTarget"/>); <paramref name="latencySamples"/> &gt; 0 records that many start latencies.</summary>
    public static void Reset(long target, int latencySamples = 0)
    {
        Interlocked.Exchange(ref _target, long.MaxValue);
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _latencies = latencySamples > 0 ? new long[latencySamples] : null;
        Interlocked.Exchange(ref _latencyCount, 0);
        Interlocked.Exchange(ref _lastRun, 0);
        Interlocked.Exchange(ref _completed, 0);
        SetTarget(target);
    }

    /// <summary>Sets how many jobs <see cref="Done"/> waits for (when the enqueuers stopped on a time limit, the number
    /// they enqueued).</summary>
    public static void SetTarget(long target)
    {
        Interlocked.Exchange(ref _target, target);
        if (Interlocked.Read(ref _completed) >= target)
        {
            _done.TrySetResult();
        }
    }

    /// <summary>The job's body: <paramref name="enqueuedAt"/> is the <see cref="Stopwatch"/> timestamp taken just before
    /// its enqueue call.</summary>
    public static void Run(long enqueuedAt) => Run(enqueuedAt, Stopwatch.GetTimestamp());

    /// <summary>As <see cref="Run(long)"/>, for a job seen to start at <paramref name="now"/> (a timestamp taken
    /// elsewhere, e.g. when a watch event arrived).</summary>
    public static void Run(long enqueuedAt, long now)
    {
        if (_latencies is { } latencies)
        {
            var i = Interlocked.Increment(ref _latencyCount) - 1;
            if (i < latencies.Length)
            {
                latencies[i] = now - enqueuedAt;
            }
        }

        // Keep the latest start (watch events may deliver a slightly earlier timestamp after a later one).
        var last = Interlocked.Read(ref _lastRun);
        while (now > last)
        {
            var seen = Interlocked.CompareExchange(ref _lastRun, now, last);
            if (seen == last)
            {
                break;
            }

            last = seen;
        }

        if (Interlocked.Increment(ref _completed) >= Interlocked.Read(ref _target))
        {
            _done.TrySetResult();
        }
    }

    /// <summary>The recorded start latencies, in milliseconds, sorted.</summary>
    public static double[] LatenciesMs()
    {
        var latencies = _latencies ?? [];
        var n = (int)Math.Min(Interlocked.Read(ref _latencyCount), latencies.Length);
        var ms = new double[n];
        for (var i = 0; i < n; i++)
        {
            ms[i] = latencies[i] * 1000.0 / Stopwatch.Frequency;
        }

        Array.Sort(ms);
        return ms;
    }
}

/// <summary>The Hangfire job: a public static method, as Hangfire requires.</summary>
public static class HangfireJobs
{
    /// <summary>A no-op job that reports to the probe.</summary>
    public static void Noop(long enqueuedAt) => Probe.Run(enqueuedAt);
}
