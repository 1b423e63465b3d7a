using System.Diagnostics;

namespace Cairn.Bench;

/// <summary>What each client does in its loop.</summary>
internal enum Workload
{
    Put,
    Get,

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
    DateTimeOffset FinishedAt);

/// <summary>
/// Closed-loop load: each of N clients sends one request, waits for the answer, and sends the next. Latency is
/// measured per request from just before the call to just after the answer was fully read. Requests that start
/// during the warm-up are not recorded; throughput is recorded operations divided by the measured duration.
/// </summary>
internal static class Runner
{
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
            tasks[id] = Task.Run(() => ClientLoopAsync(target, workload, id, keyCount, valueSize, measureFrom, measureUntil, histograms[id], errors, firstErrors, ct), ct);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);

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
            DateTimeOffset.UtcNow);
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
        CancellationToken ct)
    {
        var random = new Random(id * 7919 + 17);
        var value = RandomValue(valueSize, id);
        var sequence = 0L;
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
                if (workload == Workload.Put)
                {
                    await target.PutAsync(key, value, ct).ConfigureAwait(false);
                }
                else if (workload == Workload.Journal)
                {
                    await target.JournalAppendAsync(id, sequence++, ct).ConfigureAwait(false);
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
            catch (Exception ex) when ((ex is HttpRequestException or IOException or TaskCanceledException) && !ct.IsCancellationRequested)
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
