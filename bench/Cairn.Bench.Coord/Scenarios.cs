using System.Diagnostics;
using System.Threading.Channels;

namespace Cairn.Bench.Coord;

/// <summary>The result of one cell: a scenario on one target.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Scenario"><c>lock</c>, <c>failover-clean</c>, <c>failover-crash</c> or <c>barrier</c>.</param>
/// <param name="Participants">Lock contenders; election candidates (leader and standbys); barrier participants.</param>
/// <param name="Count">Acquire/release pairs; failovers; barrier rounds — measured, warm-up excluded.</param>
/// <param name="PerSecond">Lock: pairs per second; else 0.</param>
/// <param name="P50Ms">Lock: acquire latency; failover: time to the new leader; barrier: last arrival → all released.</param>
/// <param name="P99Ms">The same, 99th percentile.</param>
/// <param name="MeanMs">The same, mean.</param>
/// <param name="MaxMs">The same, largest.</param>
/// <param name="Error">Why the cell failed, or null.</param>
/// <param name="Note">More about the cell (not applicable, second measure, set-up rounds redone).</param>
/// <param name="TtlSeconds">Crash failover: the TTL the leader's lease was granted.</param>
internal sealed record CellResult(
    string Target,
    string Scenario,
    int Participants,
    long Count,
    double PerSecond,
    double P50Ms,
    double P99Ms,
    double MeanMs,
    double MaxMs,
    string? Error,
    string? Note = null,
    long TtlSeconds = 0);

/// <summary>
/// The scenarios. Each makes a fresh target, gives every participant a session (a lease of its own), warms up (JIT,
/// connection pools, the store's first pages) with rounds that are not measured, measures, and disposes of the target.
/// Timestamps are <see cref="Stopwatch"/> ticks of this process: every participant runs in it, for every target.
/// </summary>
internal static class Scenarios
{
    /// <summary>The TTL of every session but the crashing leader's: longer than any cell, so nothing needs keeping alive.</summary>
    public const long SessionTtlSeconds = 900;

    /// <summary>
    /// Lock: <paramref name="contenders"/> loops, each with its own session, acquire and release the one mutex in turn
    /// for <paramref name="duration"/> (after <paramref name="warmup"/> of the same on another name); pairs per second over
    /// the whole run (until the last loop stops), and the acquire latency (call → grant, waiting behind the other
    /// holders included).
    /// </summary>
    public static async Task<CellResult> LockAsync(TargetKind kind, int contenders, TimeSpan duration, TimeSpan warmup, CancellationToken ct)
    {
        await using var target = await kind.Create(ct).ConfigureAwait(false);
        var leases = await GrantManyAsync(target, contenders, ct).ConfigureAwait(false);
        await RunLocksAsync(target, "bench-warm-lock", leases, warmup, ct).ConfigureAwait(false);
        var (pairs, elapsed, latencies) = await RunLocksAsync(target, "bench-lock", leases, duration, ct).ConfigureAwait(false);
        await RevokeManyAsync(target, leases, ct).ConfigureAwait(false);
        var ms = latencies.Select(Ms).Order().ToArray();
        return new CellResult(
            kind.Name,
            "lock",
            contenders,
            pairs,
            pairs / elapsed.TotalSeconds,
            Percentile(ms, 50),
            Percentile(ms, 99),
            ms.Length > 0 ? ms.Average() : 0,
            ms.Length > 0 ? ms[^1] : 0,
            null);
    }

    private static async Task<(long Pairs, TimeSpan Elapsed, List<long> Latencies)> RunLocksAsync(
        ICoordTarget target, string name, long[] leases, TimeSpan duration, CancellationToken ct)
    {
        long pairs = 0;
        var latencies = new List<long>[leases.Length];
        var start = Stopwatch.GetTimestamp();
        var loops = new Task[leases.Length];
        for (var i = 0; i < leases.Length; i++)
        {
            var lease = leases[i];
            var mine = latencies[i] = [];
            loops[i] = Task.Run(
                async () =>
                {
                    while (Stopwatch.GetElapsedTime(start) < duration)
                    {
                        var asked = Stopwatch.GetTimestamp();
                        var grant = await target.LockAsync(name, lease, ct).ConfigureAwait(false);
                        mine.Add(Stopwatch.GetTimestamp() - asked);
                        await target.UnlockAsync(name, grant, ct).ConfigureAwait(false);
                        Interlocked.Increment(ref pairs);
                    }
                },
                ct);
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        return (pairs, Stopwatch.GetElapsedTime(start), [.. latencies.SelectMany(l => l)]);
    }

    /// <summary>
    /// Clean failover: a leader and <paramref name="standbys"/> standby candidates, each with its own session, campaign in
    /// one election. Each round the leader resigns; the time from the resign call to the return of the standby's
    /// campaign that made it leader is the failover. The resigned candidate then campaigns again (at the back of the
    /// queue), and the next round starts once it is queued, so a leader always has <paramref name="standbys"/> standbys.
    /// Two leaders at once (a second campaign returning before the leader resigned) fail the cell.
    /// </summary>
    public static async Task<CellResult> CleanFailoverAsync(TargetKind kind, int standbys, int failovers, int warmup, CancellationToken ct)
    {
        const string Name = "bench-election";
        await using var target = await kind.Create(ct).ConfigureAwait(false);
        var n = standbys + 1;
        var leases = await GrantManyAsync(target, n, ct).ConfigureAwait(false);
        var leaders = Channel.CreateUnbounded<(int Who, Held Leadership, long At)>();
        var resigned = Enumerable.Range(0, n).Select(_ => new SemaphoreSlim(0)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var candidates = new List<Task>();
        void Start(int i) => candidates.Add(Task.Run(
            async () =>
            {
                while (true)
                {
                    var leadership = await target.CampaignAsync(Name, leases[i], "candidate-" + i, stop.Token).ConfigureAwait(false);
                    leaders.Writer.TryWrite((i, leadership, Stopwatch.GetTimestamp()));
                    await resigned[i].WaitAsync(stop.Token).ConfigureAwait(false);
                }
            },
            stop.Token));

        string? error = null;
        var samples = new List<double>();
        try
        {
            Start(0);
            var current = await leaders.Reader.ReadAsync(ct).ConfigureAwait(false);
            for (var i = 1; i < n; i++)
            {
                Start(i);
            }

            await UntilQueuedAsync(target, Name, n, ct).ConfigureAwait(false);
            for (var round = 0; round < warmup + failovers; round++)
            {
                var resign = Stopwatch.GetTimestamp();
                await target.ResignAsync(Name, current.Leadership, ct).ConfigureAwait(false);
                var next = await ReadLeaderAsync(leaders.Reader, candidates, ct).ConfigureAwait(false);
                if (round >= warmup)
                {
                    samples.Add(Ms(next.At - resign));
                }

                if (leaders.Reader.TryRead(out var second))
                {
                    error = $"two leaders at once: candidates {next.Who} and {second.Who} after round {round}";
                    break;
                }

                resigned[current.Who].Release();
                current = next;
                await UntilQueuedAsync(target, Name, n, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await QuietlyAsync(candidates).ConfigureAwait(false);
            foreach (var s in resigned)
            {
                s.Dispose();
            }
        }

        await RevokeManyAsync(target, leases, ct).ConfigureAwait(false);
        var ms = samples.Order().ToArray();
        return new CellResult(kind.Name, "failover-clean", n, ms.Length, 0, Percentile(ms, 50), Percentile(ms, 99), ms.Length > 0 ? ms.Average() : 0, ms.Length > 0 ? ms[^1] : 0, error);
    }

    /// <summary>
    /// Crash failover: per round, on a fresh election, a leader campaigns on a lease of <paramref name="ttlSeconds"/>
    /// that nobody keeps alive (its process "crashed" right after the grant), then <paramref name="standbys"/> standbys
    /// (long sessions) queue behind it. The time from the grant's answer to the return of the first standby's
    /// campaign is the failover: the lease's TTL, plus the store's expiry granularity, plus the notification. A round
    /// whose standbys were not all queued within half the TTL (a stalled machine) is redone, and the note says so.
    /// </summary>
    public static async Task<CellResult> CrashFailoverAsync(TargetKind kind, int standbys, int rounds, long ttlSeconds, CancellationToken ct)
    {
        await using var target = await kind.Create(ct).ConfigureAwait(false);

        // Warm-up: one campaign and resign on long sessions.
        var warm = await GrantManyAsync(target, 1, ct).ConfigureAwait(false);
        await target.ResignAsync("bench-warm-crash", await target.CampaignAsync("bench-warm-crash", warm[0], "warm", ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await RevokeManyAsync(target, warm, ct).ConfigureAwait(false);

        var samples = new List<double>();
        var redone = 0;
        long granted = 0;
        for (var attempt = 0; samples.Count < rounds; attempt++)
        {
            if (attempt >= rounds * 3)
            {
                throw new InvalidOperationException($"only {samples.Count} of {rounds} crash rounds could be set up within half the TTL");
            }

            var name = "bench-crash-" + attempt;
            var leases = await GrantManyAsync(target, standbys, ct).ConfigureAwait(false);
            var (lease, ttl) = await target.GrantExpiringAsync(ttlSeconds, ct).ConfigureAwait(false);
            var crashed = Stopwatch.GetTimestamp();
            granted = ttl;
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var waiting = new List<Task<long>>();
            try
            {
                await target.CampaignAsync(name, lease, "leader", ct).ConfigureAwait(false);
                for (var i = 0; i < standbys; i++)
                {
                    var l = leases[i];
                    var value = "standby-" + i;
                    waiting.Add(Task.Run(
                        async () =>
                        {
                            await target.CampaignAsync(name, l, value, cancel.Token).ConfigureAwait(false);
                            return Stopwatch.GetTimestamp();
                        },
                        cancel.Token));
                }

                var queued = false;
                while (!waiting.Any(w => w.IsCompleted) && Stopwatch.GetElapsedTime(crashed) < TimeSpan.FromSeconds(ttl / 2.0))
                {
                    if (await target.CandidatesAsync(name, ct).ConfigureAwait(false) == standbys + 1)
                    {
                        queued = true;
                        break;
                    }

                    await Task.Delay(5, ct).ConfigureAwait(false);
                }

                if (!queued)
                {
                    redone++;
                    continue;
                }

                var first = await Task.WhenAny(waiting).ConfigureAwait(false);
                samples.Add(Ms(await first.ConfigureAwait(false) - crashed));
            }
            finally
            {
                await cancel.CancelAsync().ConfigureAwait(false);
                await QuietlyAsync(waiting).ConfigureAwait(false);
                await RevokeManyAsync(target, leases, ct).ConfigureAwait(false);
            }
        }

        var ms = samples.Order().ToArray();
        var note = $"leader's lease TTL {granted} s; time to the new leader is {ms.Average() / (granted * 1000.0):0.00} × TTL on average, {ms.Average() - (granted * 1000.0):0} ms beyond it" +
            (redone > 0 ? $"; {redone} round(s) redone (standbys not queued within TTL/2)" : "");
        return new CellResult(kind.Name, "failover-crash", standbys + 1, ms.Length, 0, Percentile(ms, 50), Percentile(ms, 99), ms.Average(), ms[^1], null, note, granted);
    }

    /// <summary>
    /// Double barrier: <paramref name="participants"/> participants, each with its own session, enter a fresh double
    /// barrier of count <paramref name="participants"/> per round. Per round: the time from the last arrival (the start
    /// of the last enter call) to all released (the last enter call's return). One round of warm-up. Two ways to
    /// arrive: all at once, released together from a gate (<paramref name="queued"/> false: the last arrival's entry
    /// competes with the others', so the time includes the entries' contention), or all but one entered and waiting
    /// before the last enters (<paramref name="queued"/> true: the release alone). A participant released before the
    /// last one arrived (an early pass) fails the cell.
    /// </summary>
    public static async Task<CellResult> BarrierAsync(TargetKind kind, int participants, int rounds, bool queued, CancellationToken ct)
    {
        var scenario = queued ? "barrier-queued" : "barrier";
        if (!kind.HasBarrier)
        {
            return new CellResult(kind.Name, scenario, participants, 0, 0, 0, 0, 0, 0, null, "n/a, no etcd primitive (etcd has no barrier service; its Go client's recipes package builds one on the KV API)");
        }

        await using var target = await kind.Create(ct).ConfigureAwait(false);
        var leases = await GrantManyAsync(target, participants, ct).ConfigureAwait(false);
        var samples = new List<double>();
        var spans = new List<double>();
        string? error = null;
        for (var round = 0; round <= rounds && error is null; round++)
        {
            var name = "bench-barrier-" + round;
            var starts = new long[participants];
            var ends = new long[participants];
            var entries = new IAsyncDisposable?[participants];
            Task Enter(int p) => Task.Run(
                async () =>
                {
                    starts[p] = Stopwatch.GetTimestamp();
                    entries[p] = await target.EnterBarrierAsync(name, leases[p], participants, ct).ConfigureAwait(false);
                    ends[p] = Stopwatch.GetTimestamp();
                },
                ct);

            var tasks = new List<Task>();
            if (queued)
            {
                for (var p = 0; p < participants - 1; p++)
                {
                    tasks.Add(Enter(p));
                }

                while (await target.BarrierEnteredAsync(name, ct).ConfigureAwait(false) < participants - 1)
                {
                    if (tasks.FirstOrDefault(t => t.IsCompleted) is { } done)
                    {
                        await done.ConfigureAwait(false);
                        error = $"round {round}: a participant was released before the last one arrived";
                        break;
                    }

                    await Task.Delay(5, ct).ConfigureAwait(false);
                }

                tasks.Add(Enter(participants - 1));
            }
            else
            {
                var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                for (var p = 0; p < participants; p++)
                {
                    var i = p;
                    tasks.Add(Task.Run(
                        async () =>
                        {
                            await gate.Task.ConfigureAwait(false);
                            await Enter(i).ConfigureAwait(false);
                        },
                        ct));
                }

                gate.SetResult();
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (entry is not null)
                {
                    await entry.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (error is null && ends.Min() < starts.Max())
            {
                error = $"round {round}: a participant was released {Ms(starts.Max() - ends.Min()):0.0} ms before the last one arrived";
            }

            if (error is null && round > 0)
            {
                samples.Add(Ms(ends.Max() - starts.Max()));
                spans.Add(Ms(ends.Max() - starts.Min()));
            }
        }

        await RevokeManyAsync(target, leases, ct).ConfigureAwait(false);
        var ms = samples.Order().ToArray();
        var all = spans.Order().ToArray();
        var note = queued ? null : $"all {participants} enter at once; first arrival → all released: p50 {Percentile(all, 50):0.0} ms";
        return new CellResult(kind.Name, scenario, participants, ms.Length, 0, Percentile(ms, 50), Percentile(ms, 99), ms.Length > 0 ? ms.Average() : 0, ms.Length > 0 ? ms[^1] : 0, error, note);
    }

    /// <summary>The p-th percentile (nearest rank) of sorted values; 0 for none.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static async Task<long[]> GrantManyAsync(ICoordTarget target, int count, CancellationToken ct)
    {
        var leases = new long[count];
        for (var i = 0; i < count; i++)
        {
            leases[i] = (await target.GrantAsync(SessionTtlSeconds, ct).ConfigureAwait(false)).Id;
        }

        return leases;
    }

    private static async Task RevokeManyAsync(ICoordTarget target, long[] leases, CancellationToken ct)
    {
        foreach (var lease in leases)
        {
            await target.RevokeAsync(lease, ct).ConfigureAwait(false);
        }
    }

    // Set-up only: polls the election's candidates until all are queued.
    private static async Task UntilQueuedAsync(ICoordTarget target, string name, int candidates, CancellationToken ct)
    {
        while (await target.CandidatesAsync(name, ct).ConfigureAwait(false) < candidates)
        {
            await Task.Delay(2, ct).ConfigureAwait(false);
        }
    }

    // The next leader; a candidate loop that failed fails the cell with its error instead of leaving the read waiting.
    private static async Task<(int Who, Held Leadership, long At)> ReadLeaderAsync(ChannelReader<(int Who, Held Leadership, long At)> leaders, List<Task> candidates, CancellationToken ct)
    {
        var read = leaders.ReadAsync(ct).AsTask();
        var done = await Task.WhenAny([read, .. candidates]).ConfigureAwait(false);
        if (done != read)
        {
            await done.ConfigureAwait(false);
            throw new InvalidOperationException("a candidate stopped campaigning");
        }

        return await read.ConfigureAwait(false);
    }

    // Waits for tasks that were cancelled on purpose; their cancellation (or the error a cancelled call turns into) is
    // expected and not the cell's result.
    private static async Task QuietlyAsync(IEnumerable<Task> tasks)
    {
        foreach (var t in tasks)
        {
            try
            {
                await t.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled on purpose.
            }
        }
    }
}
