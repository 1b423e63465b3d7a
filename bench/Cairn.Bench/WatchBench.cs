using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Cairn.Bench;

/// <summary>One fan-out run: W watchers over S WebSockets, R puts each of which must reach every watcher.</summary>
internal sealed record FanoutResult(
    string Kind,
    string Target,
    string Transport,
    string Mode,
    int Watchers,
    int Sockets,
    int Rounds,
    int WarmupRounds,
    int ValueSize,
    double CreateSeconds,
    double LastDeliveryMedianMs,
    double LastDeliveryMaxMs,
    double LastDeliveryMinMs,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    double PutP50Ms,
    long Delivered,
    long Missing,
    long Duplicates,
    long WrongRevision,
    long Errors,
    string? FirstError,
    IReadOnlyList<double> RoundLastDeliveryMs,
    DateTimeOffset FinishedAt);

/// <summary>Put→event latency of one SSE watcher, closed loop.</summary>
internal sealed record SseResult(
    string Kind,
    string Target,
    string Transport,
    int Iterations,
    double MeanMs,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    long Missing,
    string? FirstError,
    DateTimeOffset FinishedAt);

/// <summary>
/// <c>cairn-bench watch</c>: how long one put takes to reach many watchers (WebSocket fan-out), and how long it takes to
/// reach one SSE watcher. All times are <see cref="Stopwatch"/> timestamps in this process: t0 is taken just before the
/// PUT is sent, a delivery's time just after its whole WebSocket message (or SSE event) was received, before parsing.
/// </summary>
internal static class WatchBench
{
    public const string FanoutKind = "watch-fanout";
    public const string SseKind = "watch-sse";
    private const string FanoutKey = "bench/fanout";
    private const string SseKey = "bench/sse";
    private const int SseWarmup = 20;
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    public static async Task<int> RunAsync(WatchOptions o, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(o.Output));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var baseAddress = new Uri(o.TcpUrl!.EndsWith('/') ? o.TcpUrl : o.TcpUrl + "/");
        using var http = CreateHttpClient(baseAddress);
        var ok = true;
        foreach (var mode in o.Modes)
        {
            if (mode == FanoutMode.Distinct)
            {
                ok &= await DistinctFanout.RunAndReportAsync(o, baseAddress, http, ct).ConfigureAwait(false);
                continue;
            }

            var result = await new Fanout(o, mode, baseAddress, http).RunAsync(ct).ConfigureAwait(false);
            await File.AppendAllTextAsync(o.Output, JsonSerializer.Serialize(result, Report.JsonOptions) + "\n", ct).ConfigureAwait(false);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"fan-out {result.Mode}: {result.Watchers} watchers / {result.Sockets} sockets, {result.Rounds} rounds: last delivery median {result.LastDeliveryMedianMs:F1} ms, max {result.LastDeliveryMaxMs:F1} ms; per watcher p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms; put p50 {result.PutP50Ms:F2} ms; created in {result.CreateSeconds:F1} s; missing {result.Missing}, duplicates {result.Duplicates}, wrong revision {result.WrongRevision}, errors {result.Errors}"));
            if (result.Missing + result.Duplicates + result.WrongRevision + result.Errors > 0)
            {
                await Console.Error.WriteLineAsync($"cairn-bench: fan-out {result.Mode} was not clean; first error: {result.FirstError}").ConfigureAwait(false);
                ok = false;
            }
        }

        if (o.SseIterations > 0)
        {
            var sse = await SseAsync(o, baseAddress, http, ct).ConfigureAwait(false);
            await File.AppendAllTextAsync(o.Output, JsonSerializer.Serialize(sse, Report.JsonOptions) + "\n", ct).ConfigureAwait(false);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"sse put->event: {sse.Iterations} iterations: p50 {sse.P50Ms:F3} ms, p99 {sse.P99Ms:F3} ms, max {sse.MaxMs:F1} ms; missing {sse.Missing}"));
            if (sse.Missing > 0)
            {
                await Console.Error.WriteLineAsync($"cairn-bench: sse watcher missed {sse.Missing} events; first error: {sse.FirstError}").ConfigureAwait(false);
                ok = false;
            }
        }

        return ok ? 0 : 1;
    }

    internal static HttpClient CreateHttpClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan, // the SSE stream stays open; puts carry their own timeout
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>A durable PUT; returns the revision the server assigned (its <c>Cairn-Revision</c> header).</summary>
    internal static async Task<long> PutAsync(HttpClient http, string key, byte[] value, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var content = new ByteArrayContent(value);
        content.Headers.ContentType = OctetStream;
        using var response = await http.PutAsync(new Uri("v1/kv/" + key, UriKind.Relative), content, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new HttpRequestException($"PUT {key}: {(int)response.StatusCode} {response.ReasonPhrase}: {body}", null, response.StatusCode);
        }

        return long.Parse(response.Headers.GetValues("Cairn-Revision").First(), CultureInfo.InvariantCulture);
    }

    // The first four bytes of a round's value say which round it is, so a delivery is matched to its round by content,
    // not by arrival order: a missed or repeated event cannot shift the later rounds.
    private static byte[] RoundValue(int round, int size, Random random)
    {
        var value = new byte[Math.Max(size, 4)];
        random.NextBytes(value);
        BinaryPrimitives.WriteInt32LittleEndian(value, round);
        return value;
    }

    /// <summary>What a message on a watch socket is.</summary>
    internal enum SocketMessage
    {
        /// <summary>A watch was created.</summary>
        Created,

        /// <summary>A progress notification (no events).</summary>
        Progress,

        /// <summary>Events of watch <c>watchId</c> at <c>revision</c>.</summary>
        Events,

        /// <summary>Anything else (an error, a cancellation).</summary>
        Unexpected,
    }

    /// <summary>Tells a watch socket's message apart; for events, which watch and which revision.</summary>
    internal static SocketMessage Classify(JsonElement root, out int watchId, out long revision)
    {
        (watchId, revision) = (-1, 0);
        if (root.TryGetProperty("created", out _))
        {
            return SocketMessage.Created;
        }

        if (!root.TryGetProperty("watchId", out var id))
        {
            return SocketMessage.Unexpected;
        }

        if (root.TryGetProperty("progress", out var progress) && progress.ValueKind == JsonValueKind.True)
        {
            return SocketMessage.Progress;
        }

        (watchId, revision) = (id.GetInt32(), root.GetProperty("revision").GetInt64());
        return SocketMessage.Events;
    }

    internal static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    internal static long Nanos(long ticks) => (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Receives whole WebSocket messages until the socket closes or <paramref name="ct"/> fires, handing each to
    /// <paramref name="handle"/> with the time its last byte arrived (before it is parsed).</summary>
    internal static async Task ReceiveMessagesAsync(ClientWebSocket socket, Action<ReadOnlyMemory<byte>, long> handle, Action<string> error, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                var now = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (!ct.IsCancellationRequested)
                    {
                        error($"the server closed a socket: {socket.CloseStatus} {socket.CloseStatusDescription}");
                    }

                    return;
                }

                handle(buffer.AsMemory(0, length), now);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            if (!ct.IsCancellationRequested)
            {
                error("a socket failed: " + ex.Message);
            }
        }
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private sealed class Fanout(WatchOptions o, FanoutMode mode, Uri baseAddress, HttpClient http)
    {
        private readonly int _watchers = o.Watchers;
        private readonly int _rounds = o.WarmupRounds + o.Rounds;          // slots per watcher: warm-up rounds first
        private readonly long[] _times = new long[o.Watchers * (o.WarmupRounds + o.Rounds)];
        private readonly long[] _revisions = new long[o.Watchers * (o.WarmupRounds + o.Rounds)];
        private readonly int[] _delivered = new int[o.WarmupRounds + o.Rounds];
        private readonly TaskCompletionSource[] _roundDone = [.. Enumerable.Range(0, o.WarmupRounds + o.Rounds).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        private readonly TaskCompletionSource _allCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _created;
        private long _duplicates;
        private long _errors;
        private string? _firstError;

        public async Task<FanoutResult> RunAsync(CancellationToken ct)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var createStarted = Stopwatch.GetTimestamp();
            await using var set = await WatchSocketSet.OpenAsync(baseAddress, o.Sockets, Handle, Error, stop.Token).ConfigureAwait(false);
            var sockets = set.Sockets;
            try
            {
                // Watchers s, s + S, s + 2S, … share socket s: W/S each, the remainder spread one apiece.
                var senders = sockets.Select((socket, s) => Task.Run(() => CreateWatchesAsync(socket, s, stop.Token), stop.Token)).ToList();
                await Task.WhenAll(senders).ConfigureAwait(false);
                if (await Task.WhenAny(_allCreated.Task, Task.Delay(TimeSpan.FromSeconds(120), stop.Token)).ConfigureAwait(false) != _allCreated.Task)
                {
                    throw new TimeoutException($"only {Volatile.Read(ref _created)} of {_watchers} watches were created after 120 s; first error: {_firstError}");
                }

                var createSeconds = (Stopwatch.GetTimestamp() - createStarted) / (double)Stopwatch.Frequency;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fan-out {mode.ToString().ToLowerInvariant()}: {_watchers} watches created on {sockets.Count} sockets in {createSeconds:F2} s"));

                var t0 = new long[_rounds];
                var putRevisions = new long[_rounds];
                var putLatency = new LatencyHistogram();
                var random = new Random(4242);
                for (var k = 0; k < _rounds; k++)
                {
                    var key = mode == FanoutMode.Key ? FanoutKey : FanoutKey + "/" + k.ToString(CultureInfo.InvariantCulture);
                    var value = RoundValue(k, o.ValueSize, random);
                    t0[k] = Stopwatch.GetTimestamp();
                    putRevisions[k] = await PutAsync(http, key, value, stop.Token).ConfigureAwait(false);
                    if (k >= o.WarmupRounds)
                    {
                        putLatency.Record(Nanos(Stopwatch.GetTimestamp() - t0[k]));
                    }

                    if (await Task.WhenAny(_roundDone[k].Task, Task.Delay(o.RoundTimeout, stop.Token)).ConfigureAwait(false) != _roundDone[k].Task)
                    {
                        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"cairn-bench: round {k}: only {Volatile.Read(ref _delivered[k])} of {_watchers} watchers got revision {putRevisions[k]} within {o.RoundTimeout.TotalSeconds:0} s")).ConfigureAwait(false);
                    }
                }

                // A late duplicate would arrive right behind the last delivery; give it a moment.
                await Task.Delay(200, stop.Token).ConfigureAwait(false);
                return Summarize(createSeconds, t0, putRevisions, putLatency);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }

        private async Task CreateWatchesAsync(ClientWebSocket socket, int first, CancellationToken ct)
        {
            var prefix = mode == FanoutMode.Prefix;
            for (var w = first; w < _watchers; w += o.Sockets)
            {
                var id = w.ToString(CultureInfo.InvariantCulture);
                var message = prefix
                    ? """{"create":{"watchId":""" + id + ""","key":"bench/fanout/","prefix":true}}"""
                    : """{"create":{"watchId":""" + id + ""","key":"bench/fanout"}}""";
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
            }
        }

        private void Handle(ReadOnlyMemory<byte> message, long now)
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            switch (WatchBench.Classify(root, out var w, out var revision))
            {
                case WatchBench.SocketMessage.Created:
                    if (Interlocked.Increment(ref _created) == _watchers)
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
                var kv = change.GetProperty("kv");
                var value = kv.GetProperty("value").GetBytesFromBase64();
                var round = value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : -1;
                if (w < 0 || w >= _watchers || round < 0 || round >= _rounds || change.GetProperty("type").GetString() != "put")
                {
                    Error("unexpected event: " + Encoding.UTF8.GetString(message.Span));
                    continue;
                }

                var slot = (w * _rounds) + round;
                if (_times[slot] != 0)
                {
                    Interlocked.Increment(ref _duplicates);
                    continue;
                }

                _revisions[slot] = revision;
                _times[slot] = now;
                if (Interlocked.Increment(ref _delivered[round]) == _watchers)
                {
                    _roundDone[round].TrySetResult();
                }
            }
        }

        private void Error(string text)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, text, null);
        }

        private FanoutResult Summarize(double createSeconds, long[] t0, long[] putRevisions, LatencyHistogram putLatency)
        {
            var perWatcher = new LatencyHistogram();
            var lastDelivery = new List<double>();
            long delivered = 0, missing = 0, wrongRevision = 0;
            for (var k = 0; k < _rounds; k++)
            {
                long last = 0;
                for (var w = 0; w < _watchers; w++)
                {
                    var slot = (w * _rounds) + k;
                    var time = Volatile.Read(ref _times[slot]);
                    if (time == 0)
                    {
                        missing++;
                        continue;
                    }

                    delivered++;
                    if (_revisions[slot] != putRevisions[k])
                    {
                        wrongRevision++;
                    }

                    if (k >= o.WarmupRounds)
                    {
                        perWatcher.Record(Nanos(time - t0[k]));
                        last = Math.Max(last, time - t0[k]);
                    }
                }

                if (k >= o.WarmupRounds)
                {
                    lastDelivery.Add(Ms(last));
                }
            }

            return new FanoutResult(
                FanoutKind,
                "cairn",
                "websocket",
                mode.ToString().ToLowerInvariant(),
                _watchers,
                o.Sockets,
                o.Rounds,
                o.WarmupRounds,
                o.ValueSize,
                createSeconds,
                Median(lastDelivery),
                lastDelivery.Max(),
                lastDelivery.Min(),
                perWatcher.Percentile(50) / 1e6,
                perWatcher.Percentile(99) / 1e6,
                perWatcher.Percentile(99.9) / 1e6,
                perWatcher.Max / 1e6,
                putLatency.Percentile(50) / 1e6,
                delivered,
                missing,
                Interlocked.Read(ref _duplicates),
                wrongRevision,
                Interlocked.Read(ref _errors),
                _firstError,
                [.. lastDelivery.Select(d => Math.Round(d, 3))],
                DateTimeOffset.UtcNow);
        }
    }

    private static async Task<SseResult> SseAsync(WatchOptions o, Uri baseAddress, HttpClient http, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The stream gets its own connection: the puts go over the pooled one of `http`.
        using var streamClient = CreateHttpClient(baseAddress);
        using var response = await streamClient.GetAsync(new Uri($"v1/watch?key={SseKey}&progressSeconds=0", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, stop.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var events = Channel.CreateUnbounded<(long Revision, long Time, int Round)>();
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = await response.Content.ReadAsStreamAsync(stop.Token).ConfigureAwait(false);
        var reader = Task.Run(() => ReadSseAsync(stream, created, events.Writer, stop.Token), stop.Token);
        try
        {
            if (await Task.WhenAny(created.Task, Task.Delay(TimeSpan.FromSeconds(30), stop.Token)).ConfigureAwait(false) != created.Task)
            {
                throw new TimeoutException("the SSE watch sent no 'created' event within 30 s");
            }

            var histogram = new LatencyHistogram();
            var random = new Random(77);
            long missing = 0;
            string? firstError = null;
            for (var i = 0; i < SseWarmup + o.SseIterations; i++)
            {
                var value = RoundValue(i, o.ValueSize, random);
                var t0 = Stopwatch.GetTimestamp();
                var revision = await PutAsync(http, SseKey, value, stop.Token).ConfigureAwait(false);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                wait.CancelAfter(o.RoundTimeout);
                (long Revision, long Time, int Round) delivery;
                try
                {
                    delivery = await events.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    missing++;
                    firstError ??= $"no event for revision {revision} within {o.RoundTimeout.TotalSeconds:0} s";
                    continue;
                }

                if (delivery.Revision != revision || delivery.Round != i)
                {
                    missing++;
                    firstError ??= $"expected revision {revision} (put {i}), got revision {delivery.Revision} (put {delivery.Round})";
                    continue;
                }

                if (i >= SseWarmup)
                {
                    histogram.Record(Nanos(delivery.Time - t0));
                }
            }

            return new SseResult(
                SseKind,
                "cairn",
                "sse",
                o.SseIterations,
                histogram.Count == 0 ? 0 : histogram.Sum / histogram.Count / 1e6,
                histogram.Percentile(50) / 1e6,
                histogram.Percentile(99) / 1e6,
                histogram.Percentile(99.9) / 1e6,
                histogram.Max / 1e6,
                missing,
                firstError,
                DateTimeOffset.UtcNow);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
            {
            }
        }
    }

    private static async Task ReadSseAsync(Stream stream, TaskCompletionSource created, ChannelWriter<(long Revision, long Time, int Round)> events, CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? type = null;
        string? data = null;
        long id = 0;
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = long.Parse(line["id: ".Length..], CultureInfo.InvariantCulture);
                }

                continue;
            }

            // A blank line ends the event: that is when it counts as delivered.
            var now = Stopwatch.GetTimestamp();
            if (type == "created")
            {
                created.TrySetResult();
            }
            else if (type == "events" && data is not null)
            {
                using var document = JsonDocument.Parse(data);
                foreach (var change in document.RootElement.GetProperty("events").EnumerateArray())
                {
                    var value = change.GetProperty("kv").GetProperty("value").GetBytesFromBase64();
                    var round = value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : -1;
                    events.TryWrite((id, now, round));
                }
            }

            type = null;
            data = null;
        }
    }
}
