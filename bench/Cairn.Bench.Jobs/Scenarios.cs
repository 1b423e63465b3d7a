using System.Diagnostics;

namespace Cairn.Bench.Jobs;

/// <summary>The result of one cell: a scenario on one target with one worker count.</summary>
internal sealed record CellResult(
    string Target,
    string Scenario,
    int Workers,
    long Jobs,
    double JobsPerSecond,
    double EnqueuesPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    string? Error,
    string? Note = null);

/// <summary>
/// The three scenarios. Each makes a fresh target, warms it up (JIT, connection pools, the storage's first pages) with
/// a few jobs that are not measured, measures, and disposes of it.
/// </summary>
internal static class Scenarios
{
    public const int WarmupJobs = 20;

    /// <summary>
    /// Throughput: <paramref name="jobs"/> no-op jobs enqueued by <paramref name="enqueuers"/> concurrent enqueuers while
    /// <paramref name="workers"/> workers run; jobs/s from the first enqueue call to the last job's start (the probe runs
    /// at the start of the no-op job, so that is also its end).
    /// </summary>
    public static async Task<CellResult> ThroughputAsync(TargetKind kind, int workers, long jobs, int enqueuers, TimeSpan limit, TimeSpan deadline, CancellationToken ct)
    {
        await using var target = await kind.Create(ct).ConfigureAwait(false);
        await target.StartWorkersAsync(workers, ct).ConfigureAwait(false);
        await WarmUpAsync(target, ct).ConfigureAwait(false);

        Probe.Reset(long.MaxValue);
        var start = Stopwatch.GetTimestamp();
        jobs = await EnqueueManyAsync(target, jobs, enqueuers, limit, ct).ConfigureAwait(false);
        Probe.SetTarget(jobs);
        var enqueued = Stopwatch.GetTimestamp();
        var error = await WaitAsync(jobs, deadline, ct).ConfigureAwait(false);
        var end = error is null ? Probe.LastCompletion : Stopwatch.GetTimestamp();
        await target.StopWorkersAsync().ConfigureAwait(false);
        return new CellResult(kind.Name, "throughput", workers, jobs, Rate(Probe.Completed, start, end), Rate(jobs, start, enqueued), 0, 0, 0, error);
    }

    /// <summary>
    /// Start latency: jobs enqueued one at a time at <paramref name="rate"/> per second for <paramref name="seconds"/>
    /// (each at its slot, or at once if the previous enqueue took longer), from the enqueue call's start to the job's
    /// start.
    /// </summary>
    public static async Task<CellResult> LatencyAsync(TargetKind kind, int workers, int rate, double seconds, TimeSpan deadline, CancellationToken ct)
    {
        await using var target = await kind.Create(ct).ConfigureAwait(false);
        await target.StartWorkersAsync(workers, ct).ConfigureAwait(false);
        await WarmUpAsync(target, ct).ConfigureAwait(false);

        var count = (int)Math.Max(1, rate * seconds);
        Probe.Reset(count, count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var slot = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slot);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }

            await target.EnqueueAsync(Stopwatch.GetTimestamp(), ct).ConfigureAwait(false);
        }

        var enqueued = Stopwatch.GetTimestamp();
        var error = await WaitAsync(count, deadline, ct).ConfigureAwait(false);
        await target.StopWorkersAsync().ConfigureAwait(false);
        var ms = Probe.LatenciesMs();
        return new CellResult(kind.Name, "latency", workers, count, 0, Rate(count, start, enqueued), Percentile(ms, 50), Percentile(ms, 99), ms.Length > 0 ? ms[^1] : 0, error);
    }

    /// <summary>
    /// Backlog: <paramref name="jobs"/> jobs enqueued (by <paramref name="enqueuers"/> concurrent enqueuers) while no
    /// worker runs, then <paramref name="workers"/> workers started and timed until the last job ran.
    /// </summary>
    /// <remarks>A target too slow to drain the backlog within <paramref name="drainLimit"/> is measured over that time:
    /// jobs run / time, with a note saying so (its rate is steady by then; waiting longer changes nothing but the run's
    /// length).</remarks>
    public static async Task<CellResult> BacklogAsync(TargetKind kind, int workers, long jobs, int enqueuers, TimeSpan limit, TimeSpan drainLimit, CancellationToken ct)
    {
        await using var target = await kind.Create(ct).ConfigureAwait(false);
        Probe.Reset(long.MaxValue);
        var enqueueStart = Stopwatch.GetTimestamp();
        jobs = await EnqueueManyAsync(target, jobs, enqueuers, limit, ct).ConfigureAwait(false);
        Probe.SetTarget(jobs);
        var enqueued = Stopwatch.GetTimestamp();

        var start = Stopwatch.GetTimestamp();
        await target.StartWorkersAsync(workers, ct).ConfigureAwait(false);
        var partial = await WaitAsync(jobs, drainLimit, ct).ConfigureAwait(false);
        var end = partial is null ? Probe.LastCompletion : Stopwatch.GetTimestamp();
        var ran = Probe.Completed;
        await target.StopWorkersAsync().ConfigureAwait(false);
        return new CellResult(kind.Name, "backlog", workers, jobs, Rate(ran, start, end), Rate(jobs, enqueueStart, enqueued), 0, 0, 0, null, partial is null ? null : $"drain measured over {drainLimit.TotalSeconds:0} s: {ran:N0} of {jobs:N0} jobs ran");
    }

    private static async Task WarmUpAsync(IJobTarget target, CancellationToken ct)
    {
        Probe.Reset(WarmupJobs);
        await EnqueueManyAsync(target, WarmupJobs, 4, TimeSpan.MaxValue, ct).ConfigureAwait(false);
        var error = await WaitAsync(WarmupJobs, TimeSpan.FromSeconds(120), ct).ConfigureAwait(false);
        if (error is not null)
        {
            throw new InvalidOperationException("warm-up: " + error);
        }
    }

    // Enqueues up to `jobs` jobs, stopping early once `limit` has passed (a slow target would otherwise take hours for the
    // full count); returns how many it enqueued.
    private static async Task<long> EnqueueManyAsync(IJobTarget target, long jobs, int enqueuers, TimeSpan limit, CancellationToken ct)
    {
        long next = 0;
        long done = 0;
        var started = Stopwatch.GetTimestamp();
        var tasks = new Task[enqueuers];
        for (var e = 0; e < enqueuers; e++)
        {
            tasks[e] = Task.Run(
                async () =>
                {
                    while (Interlocked.Increment(ref next) <= jobs && Stopwatch.GetElapsedTime(started) < limit)
                    {
                        await target.EnqueueAsync(Stopwatch.GetTimestamp(), ct).ConfigureAwait(false);
                        Interlocked.Increment(ref done);
                    }
                },
                ct);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return done;
    }

    // Null when all jobs ran in time; else what happened (the cell is reported with the error, not dropped).
    private static async Task<string?> WaitAsync(long jobs, TimeSpan deadline, CancellationToken ct)
    {
        var done = Probe.Done;
        var finished = await Task.WhenAny(done, Task.Delay(deadline, ct)).ConfigureAwait(false);
        return finished == done ? null : $"only {Probe.Completed} of {jobs} jobs ran within {deadline.TotalSeconds:0} s";
    }

    private static double Rate(long count, long from, long to)
    {
        var seconds = Stopwatch.GetElapsedTime(from, to).TotalSeconds;
        return seconds > 0 ? count / seconds : 0;
    }

    private static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
