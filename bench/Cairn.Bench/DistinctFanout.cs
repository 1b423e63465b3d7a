using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Cairn.Bench;

/// <summary>One run of the distinct-keys fan-out: W watchers each on its own key, C clients putting random ones of them.</summary>
internal sealed record DistinctFanoutResult(
    string Kind,
    string Target,
    string Transport,
    int Watchers,
    int Sockets,
    int Clients,
    double Seconds,
    double WarmupSeconds,
    int ValueSize,
    double CreateSeconds,
    long Puts,
    long MeasuredPuts,
    double OpsPerSecond,
    double PutP50Ms,
    double PutP99Ms,
    double DeliveryP50Ms,
    double DeliveryP99Ms,
    long Delivered,
    long Missing,
    long Duplicates,
    long WrongWatcher,
    long WrongRevision,
    long Errors,
    string? FirstError,
    DateTimeOffset FinishedAt);

/// <summary>
/// <c>cairn-bench watch --modes distinct</c>: W watches over S WebSockets, watcher i on its own key
/// <c>bench/fanout/w{i}</c>; then C closed-loop clients put random ones of those keys (durable PUTs over HTTP/1.1) for
/// the warm-up and the measured seconds. What it shows is what watchers of other keys cost a write: a store that woke
/// every watcher on every commit pays W wake-ups per put. Every put must reach exactly its one watcher, with the
/// revision the PUT returned; the value's first four bytes say which put it was.
/// </summary>
internal sealed class DistinctFanout(WatchOptions o, Uri baseAddress, HttpClient http)
{
    public const string Kind = "watch-distinct";
    private const string KeyPrefix = "bench/fanout/w";
    private const int MaxPuts = 1 << 21;
    private const long Failed = -1;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly int[] _target = new int[MaxPuts];          // the watcher each put goes to
    private readonly long[] _sent = new long[MaxPuts];          // t0 of each put
    private readonly long[] _putRevision = new long[MaxPuts];   // what the PUT returned
    private readonly long[] _arrived = new long[MaxPuts];       // when its event arrived; 0 until then
    private readonly long[] _eventRevision = new long[MaxPuts]; // the revision the event came with
    private readonly TaskCompletionSource _allCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _puts;
    private int _created;
    private long _delivered;
    private long _failed;
    private long _duplicates;
    private long _wrongWatcher;
    private long _errors;
    private string? _firstError;

    public static async Task<bool> RunAndReportAsync(WatchOptions o, Uri baseAddress, HttpClient http, CancellationToken ct)
    {
        var result = await new DistinctFanout(o, baseAddress, http).RunAsync(ct).ConfigureAwait(false);
        await File.AppendAllTextAsync(o.Output, JsonSerializer.Serialize(result, Report.JsonOptions) + "\n", ct).ConfigureAwait(false);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"fan-out distinct: {result.Watchers} watchers / {result.Sockets} sockets, {result.Clients} put clients, {result.Seconds:0.#} s: {result.OpsPerSecond:F0} puts/s, put p50 {result.PutP50Ms:F2} ms, p99 {result.PutP99Ms:F2} ms; put->event p50 {result.DeliveryP50Ms:F2} ms, p99 {result.DeliveryP99Ms:F2} ms; {result.Puts} puts, delivered {result.Delivered}, missing {result.Missing}, duplicates {result.Duplicates}, wrong watcher {result.WrongWatcher}, wrong revision {result.WrongRevision}, errors {result.Errors}"));
        var clean = result.Missing + result.Duplicates + result.WrongWatcher + result.WrongRevision + result.Errors == 0;
        if (!clean)
        {
            await Console.Error.WriteLineAsync($"cairn-bench: fan-out distinct was not clean; first error: {result.FirstError}").ConfigureAwait(false);
        }

        return clean;
    }

    private async Task<DistinctFanoutResult> RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var createStarted = Stopwatch.GetTimestamp();
        await using var set = await WatchSocketSet.OpenAsync(baseAddress, o.Sockets, Handle, Error, stop.Token).ConfigureAwait(false);
        var sockets = set.Sockets;
        try
        {
            var senders = sockets.Select((socket, s) => Task.Run(() => CreateWatchesAsync(socket, s, stop.Token), stop.Token)).ToList();
            await Task.WhenAll(senders).ConfigureAwait(false);
            if (await Task.WhenAny(_allCreated.Task, Task.Delay(TimeSpan.FromSeconds(300), stop.Token)).ConfigureAwait(false) != _allCreated.Task)
            {
                throw new TimeoutException($"only {Volatile.Read(ref _created)} of {o.Watchers} watches were created after 300 s; first error: {_firstError}");
            }

            var createSeconds = (Stopwatch.GetTimestamp() - createStarted) / (double)Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fan-out distinct: {o.Watchers} watches created on {sockets.Count} sockets in {createSeconds:F2} s; {o.PutClients} clients put for {o.Warmup.TotalSeconds:0.#} + {o.Duration.TotalSeconds:0.#} s"));

            var start = Stopwatch.GetTimestamp();
            var measureFrom = start + (long)(o.Warmup.TotalSeconds * Stopwatch.Frequency);
            var measureUntil = measureFrom + (long)(o.Duration.TotalSeconds * Stopwatch.Frequency);
            var clients = Enumerable.Range(0, o.PutClients)
                .Select(c => Task.Run(() => PutLoopAsync(c, measureFrom, measureUntil, stop.Token), stop.Token))
                .ToList();
            var histograms = await Task.WhenAll(clients).ConfigureAwait(false);
            var putLatency = new LatencyHistogram();
            foreach (var histogram in histograms)
            {
                putLatency.Add(histogram);
            }

            // Every put has been answered; wait (boundedly) for the last events, then a moment for late duplicates.
            var puts = Math.Min(Volatile.Read(ref _puts), MaxPuts);
            var drainUntil = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
            while (Interlocked.Read(ref _delivered) + Interlocked.Read(ref _failed) < puts && Stopwatch.GetTimestamp() < drainUntil)
            {
                await Task.Delay(20, stop.Token).ConfigureAwait(false);
            }

            await Task.Delay(200, stop.Token).ConfigureAwait(false);
            return Summarize(createSeconds, puts, putLatency, measureFrom, measureUntil);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task CreateWatchesAsync(ClientWebSocket socket, int first, CancellationToken ct)
    {
        for (var w = first; w < o.Watchers; w += o.Sockets)
        {
            var id = w.ToString(CultureInfo.InvariantCulture);
            var message = $$$"""{"create":{"watchId":{{{id}}},"key":"{{{KeyPrefix}}}{{{id}}}"}}""";
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
        }
    }

    // One closed-loop client: put a random watched key, wait for the answer, again, until the measured window ends.
    // Latency and throughput count the puts answered within the window.
    private async Task<LatencyHistogram> PutLoopAsync(int client, long measureFrom, long measureUntil, CancellationToken ct)
    {
        var histogram = new LatencyHistogram();
        var random = new Random(1000 + client);
        while (Stopwatch.GetTimestamp() < measureUntil)
        {
            var id = Interlocked.Increment(ref _puts) - 1;
            if (id >= MaxPuts)
            {
                Error($"more than {MaxPuts} puts; the rest were not made");
                break;
            }

            var w = random.Next(o.Watchers);
            var value = new byte[Math.Max(o.ValueSize, 4)];
            random.NextBytes(value);
            BinaryPrimitives.WriteInt32LittleEndian(value, id);
            _target[id] = w;
            var t0 = Stopwatch.GetTimestamp();
            Volatile.Write(ref _sent[id], t0);
            long revision;
            try
            {
                revision = await WatchBench.PutAsync(http, KeyPrefix + w.ToString(CultureInfo.InvariantCulture), value, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                // Not made (or not known to be): left out of the delivery check, counted as an error.
                Volatile.Write(ref _putRevision[id], Failed);
                Interlocked.Increment(ref _failed);
                Error($"put {id}: {ex.Message}");
                continue;
            }

            var t1 = Stopwatch.GetTimestamp();
            Volatile.Write(ref _putRevision[id], revision);
            if (t1 >= measureFrom && t1 < measureUntil)
            {
                histogram.Record(WatchBench.Nanos(t1 - t0));
            }
        }

        return histogram;
    }

    private void Handle(ReadOnlyMemory<byte> message, long now)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        switch (WatchBench.Classify(root, out var w, out var revision))
        {
            case WatchBench.SocketMessage.Created:
                if (Interlocked.Increment(ref _created) == o.Watchers)
                {
                    _allCreated.TrySetResult();
                }

                return;
            case WatchBench.SocketMessage.Unexpected:
                Error("unexpected message: " + Encoding.UTF8.GetString(message.Span));
                return;
            case WatchBench.SocketMessage.Progress:
                return;
        }
        foreach (var change in root.GetProperty("events").EnumerateArray())
        {
            var value = change.GetProperty("kv").GetProperty("value").GetBytesFromBase64();
            var id = value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : -1;
            if (id < 0 || id >= Math.Min(Volatile.Read(ref _puts), MaxPuts) || change.GetProperty("type").GetString() != "put")
            {
                Error("unexpected event: " + Encoding.UTF8.GetString(message.Span));
                continue;
            }

            if (_target[id] != w)
            {
                Interlocked.Increment(ref _wrongWatcher);
                Interlocked.CompareExchange(ref _firstError, $"put {id} for watcher {_target[id]} reached watcher {w}", null);
                continue;
            }

            if (Interlocked.CompareExchange(ref _arrived[id], now, 0) != 0)
            {
                Interlocked.Increment(ref _duplicates);
                continue;
            }

            Volatile.Write(ref _eventRevision[id], revision);
            Interlocked.Increment(ref _delivered);
        }
    }

    private void Error(string text)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _firstError, text, null);
    }

    private DistinctFanoutResult Summarize(double createSeconds, int puts, LatencyHistogram putLatency, long measureFrom, long measureUntil)
    {
        var delivery = new LatencyHistogram();
        long delivered = 0, missing = 0, wrongRevision = 0;
        for (var id = 0; id < puts; id++)
        {
            var arrived = Volatile.Read(ref _arrived[id]);
            if (Volatile.Read(ref _putRevision[id]) == Failed)
            {
                continue;
            }

            if (arrived == 0)
            {
                missing++;
                continue;
            }

            delivered++;
            if (Volatile.Read(ref _eventRevision[id]) != Volatile.Read(ref _putRevision[id]))
            {
                wrongRevision++;
            }

            var sent = Volatile.Read(ref _sent[id]);
            if (sent >= measureFrom && sent < measureUntil)
            {
                delivery.Record(WatchBench.Nanos(arrived - sent));
            }
        }

        return new DistinctFanoutResult(
            Kind,
            "cairn",
            "websocket",
            o.Watchers,
            o.Sockets,
            o.PutClients,
            o.Duration.TotalSeconds,
            o.Warmup.TotalSeconds,
            o.ValueSize,
            createSeconds,
            puts,
            putLatency.Count,
            putLatency.Count / o.Duration.TotalSeconds,
            putLatency.Percentile(50) / 1e6,
            putLatency.Percentile(99) / 1e6,
            delivery.Percentile(50) / 1e6,
            delivery.Percentile(99) / 1e6,
            delivered,
            missing,
            Interlocked.Read(ref _duplicates),
            Interlocked.Read(ref _wrongWatcher),
            wrongRevision,
            Interlocked.Read(ref _errors),
            _firstError,
            DateTimeOffset.UtcNow);
    }
}
