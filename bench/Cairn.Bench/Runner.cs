using System.Diagnostics;

namespace Cairn.Bench;

/// <summary>What each client does in its loop.</summary>
internal enum Workload
{
    /// <summary>Durable overwrite of a random preloaded key.</summary>
    Put,

    /// <summary>Read of a random preloaded key.</summary>
    Get,

    /// <summary>Durable creation of a new key (fails if it exists).</summary>
    Create,

    /// <summary>Compare-and-set of the client's own key against the version it last saw.</summary>
    Cas,

    /// <summary>90 % reads, 10 % overwrites of random preloaded keys.</summary>
    Mix,

    /// <summary>Put-to-watch-event latency: one watcher, closed loop of put then wait for its event.</summary>
    Watch,

    /// <summary>Durable journal appends: each client walks its own requests through begin, authorization, commit.</summary>
    Journal,

    /// <summary>Durable overwrite of a random one of the preloaded blobs (<c>PUT /v1/blobs/…</c>, a volume file each).</summary>
    BlobPut,

    /// <summary>Read of a random preloaded blob (<c>GET /v1/blobs/…</c>), the whole body.</summary>
    BlobGet,
}

/// <summary>The measurements of one cell of the matrix (one workload × client count × transport against one target).</summary>
internal sealed record CellResult(
    string Target,
    string Transport,
    string Workload,
    int Clients,
    double WarmupSeconds,
    double DurationSeconds,
    long Ops,
    long Errors,
    double OpsPerSecond,
    double MeanMs,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    string? FirstError,
    DateTimeOffset FinishedAt)
{
    /// <summary>Repetition number (1-based) of this cell.</summary>
    public int Rep { get; init; } = 1;

    /// <summary><c>durable</c> (every write fsynced before its answer) or <c>nondurable</c>.</summary>
    public string Tier { get; init; } = "durable";

    /// <summary><c>unpinned</c>, or <c>pinned</c> (server and load generator on different cores, taskset).</summary>
    public string Pinning { get; init; } = "unpinned";

    /// <summary>User + system CPU seconds of the server process(es) over the measured window; -1 if not measured.</summary>
    public double ServerCpuSeconds { get; init; } = -1;

    /// <summary>Server CPU seconds per 1,000 completed operations; -1 if not measured.</summary>
    public double CpuSecondsPer1kOps { get; init; } = -1;
}

/// <summary>
/// Closed-loop load: each of N clients sends one request, waits for the answer, and sends the next. Latency is
/// measured per request from just before the call to just after the answer was fully read. Requests that start
/// during the warm-up are not recorded; throughput is recorded operations divided by the measured duration.
/// </summary>
internal static class Runner
{
    /// <summary>What each client carries from one repetition of a cell to the next.</summary>
    internal sealed class ClientState(int clients)
    {
        private static long _groups;

        // Each group of cells numbers its creates from its own billion: keys made by an earlier group (another client
        // count or transport, same process and run id) are never hit again.
        public long[] Sequences { get; } = Enumerable.Repeat(Interlocked.Increment(ref _groups) * 1_000_000_000L, clients).ToArray();

        public long[] CasVersions { get; } = new long[clients];
    }

    private const long NanosPerSecond = 1_000_000_000;

    public static async Task PreloadAsync(IBenchTarget target, int keyCount, int valueSize, int concurrency, CancellationToken ct)
    {
        var next = -1;
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var value = RandomValue(valueSize, seed: w);
            workers[w] = Task.Run(async () =>
            {
                int key;
                while ((key = Interlocked.Increment(ref next)) < keyCount)
                {
                    await target.PutAsync(key, value, ct).ConfigureAwait(false);
                }
            }, ct);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    public static async Task<CellResult> RunCellAsync(
        IBenchTarget target,
        string transport,
        Workload workload,
        int clients,
        int keyCount,
        int valueSize,
        TimeSpan warmup,
        TimeSpan duration,
        IReadOnlyList<int> serverPids,
        ClientState state,
        CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var histograms = new LatencyHistogram[clients];
        var errors = new long[clients];
        var firstErrors = new string?[clients];
        var tasks = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var id = c;
            histograms[id] = new LatencyHistogram();
            tasks[id] = Task.Run(() => ClientLoopAsync(target, workload, id, keyCount, valueSize, measureFrom, measureUntil, histograms[id], errors, firstErrors, state, ct), ct);
        }

        // Server CPU over the measured window: sampled when it opens and once the last request has been answered.
        var untilMeasuring = TimeSpan.FromSeconds((measureFrom - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        if (untilMeasuring > TimeSpan.Zero)
        {
            await Task.Delay(untilMeasuring, ct).ConfigureAwait(false);
        }

        var cpuBefore = ProcessCpu.Seconds(serverPids);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var cpu = ProcessCpu.Seconds(serverPids) - cpuBefore;

        var total = new LatencyHistogram();
        foreach (var h in histograms)
        {
            total.Add(h);
        }

        static double Ms(long nanos) => nanos / 1_000_000.0;
        return new CellResult(
            target.Name,
            transport,
            workload.ToString().ToLowerInvariant(),
            clients,
            warmup.TotalSeconds,
            duration.TotalSeconds,
            total.Count,
            errors.Sum(),
            total.Count / duration.TotalSeconds,
            total.Count == 0 ? 0 : total.Sum / total.Count / 1_000_000.0,
            Ms(total.Percentile(50)),
            Ms(total.Percentile(99)),
            Ms(total.Percentile(99.9)),
            Ms(total.Max),
            firstErrors.FirstOrDefault(e => e is not null),
            DateTimeOffset.UtcNow)
        {
            ServerCpuSeconds = serverPids.Count == 0 || double.IsNaN(cpu) ? -1 : cpu,
            CpuSecondsPer1kOps = serverPids.Count == 0 || double.IsNaN(cpu) || total.Count == 0 ? -1 : cpu / total.Count * 1000,
        };
    }

    /// <summary>
    /// Put-to-watch-event latency: a watch on the target's watch key, then <paramref name="iterations"/> times (after 20
    /// unrecorded ones) a durable put of that key and a wait for its event; latency from just before the put to the
    /// event's arrival.
    /// </summary>
    public static async Task<CellResult> RunWatchAsync(IBenchTarget target, string transport, int iterations, int valueSize, IReadOnlyList<int> serverPids, CancellationToken ct)
    {
        const int Warm = 20;
        await using var events = await target.OpenWatchAsync(ct).ConfigureAwait(false);
        var histogram = new LatencyHistogram();
        var value = RandomValue(valueSize, 5);
        long errors = 0;
        string? firstError = null;
        var cpuBefore = double.NaN;
        for (var i = 0; i < Warm + iterations; i++)
        {
            if (i == Warm)
            {
                cpuBefore = ProcessCpu.Seconds(serverPids);
            }

            var t0 = Stopwatch.GetTimestamp();
            await target.PutWatchedAsync(value, ct).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                var t1 = await events.NextAsync(wait.Token).ConfigureAwait(false);
                if (i >= Warm)
                {
                    histogram.Record((long)((t1 - t0) * ((double)NanosPerSecond / Stopwatch.Frequency)));
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                errors++;
                firstError ??= "no watch event within 30 s of the put";
            }
        }

        var cpu = ProcessCpu.Seconds(serverPids) - cpuBefore;
        static double Ms(long nanos) => nanos / 1_000_000.0;
        return new CellResult(target.Name, transport, "watch", 1, 0, 0, histogram.Count, errors, 0,
            histogram.Count == 0 ? 0 : histogram.Sum / histogram.Count / 1_000_000.0,
            Ms(histogram.Percentile(50)), Ms(histogram.Percentile(99)), Ms(histogram.Percentile(99.9)), Ms(histogram.Max), firstError, DateTimeOffset.UtcNow)
        {
            ServerCpuSeconds = serverPids.Count == 0 || double.IsNaN(cpu) ? -1 : cpu,
            CpuSecondsPer1kOps = serverPids.Count == 0 || double.IsNaN(cpu) || histogram.Count == 0 ? -1 : cpu / histogram.Count * 1000,
        };
    }

    private static async Task ClientLoopAsync(
        IBenchTarget target,
        Workload workload,
        int id,
        int keyCount,
        int valueSize,
        long measureFrom,
        long measureUntil,
        LatencyHistogram histogram,
        long[] errors,
        string?[] firstErrors,
        ClientState state,
        CancellationToken ct)
    {
        var random = new Random(id * 7919 + 17);
        var value = RandomValue(valueSize, id);
        // Sequences go on across repetitions, so a create in a later repetition does not hit a key an earlier one made.
        var sequences = state.Sequences;
        while (!ct.IsCancellationRequested)
        {
            var key = random.Next(keyCount);
            var begin = Stopwatch.GetTimestamp();
            if (begin >= measureUntil)
            {
                return;
            }

            var ok = true;
            try
            {
                if (workload == Workload.Put || (workload == Workload.Mix && random.Next(10) == 0))
                {
                    await target.PutAsync(key, value, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.Create)
                {
                    await target.CreateAsync(id, sequences[id]++, value, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.Cas)
                {
                    // Client i owns key i: its compare always holds unless something else wrote the key.
                    state.CasVersions[id] = await target.CasAsync(id, state.CasVersions[id], value, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.Journal)
                {
                    await target.JournalAppendAsync(id, sequences[id]++, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.BlobPut)
                {
                    await target.BlobPutAsync(key, value, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.BlobGet)
                {
                    await target.BlobGetAsync(key, ct).ConfigureAwait(false);
                }
                else
                {
                    await target.GetAsync(key, ct).ConfigureAwait(false);
                }
            }
            // A gRPC failure (etcd's or Cairn's etcd API) is an error of the cell like an HTTP one, not the end of the run.
            catch (Exception ex) when ((ex is HttpRequestException or IOException or TaskCanceledException or Grpc.Core.RpcException) && !ct.IsCancellationRequested)
            {
                ok = false;
                if (begin >= measureFrom)
                {
                    errors[id]++;
                    firstErrors[id] ??= ex.Message;
                }
            }

            var end = Stopwatch.GetTimestamp();
            if (ok && begin >= measureFrom)
            {
                histogram.Record((long)((end - begin) * ((double)NanosPerSecond / Stopwatch.Frequency)));
            }
        }
    }

    private static byte[] RandomValue(int size, int seed)
    {
        var value = new byte[size];
        new Random(seed).NextBytes(value);
        return value;
    }
}
