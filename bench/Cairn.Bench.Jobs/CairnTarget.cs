using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Jobs;

namespace Cairn.Bench.Jobs;

/// <summary>
/// Cairn's job system: a real <c>cairn serve</c> process on its embedded SQLite store in a fresh temp data directory
/// (durability full, the default: an acknowledged enqueue is on disk). Two ways to run the workers:
/// <list type="bullet">
/// <item><b>cairn</b>: the server's own workers off (<c>Jobs:Workers=0</c>); this process hosts the workers through
/// <see cref="CairnClient.CreateJobWorker"/> with a no-op <see cref="IJobHandler"/> — the .NET application's pattern, and
/// the fair peer of a Hangfire server inside the application. Each job costs the worker HTTP round trips (claim,
/// complete) besides the enqueue.</item>
/// <item><b>cairn-server</b>: the server's own workers (<c>Jobs:Workers=N</c>) run the built-in <c>cairn.noop</c> type;
/// this process sees each start as the put of the job's claim key (<c>run/&lt;id&gt;</c>) on a keyspace watch.</item>
/// </list>
/// </summary>
internal sealed class CairnTarget : IJobTarget
{
    private const string BenchType = "bench.noop";
    private const string RunPrefix = "/cairn/jobs/run/"; // JobKeys.RunningPrefix: present while a job runs

    private readonly string _cairn;
    private readonly string _transport;
    private readonly bool _serverWorkers;
    private readonly DirectoryInfo _dir;
    private Process? _process;
    private CairnClient? _client;
    private JobWorker? _worker;

    // cairn-server: ids the watch saw claimed before their enqueue call returned, and enqueue stamps not yet seen
    // claimed (a job can start before the enqueue's answer arrives).
    private readonly object _gate = new();
    private readonly Dictionary<long, long> _stamps = [];
    private readonly Dictionary<long, long> _claimedEarly = [];
    private CancellationTokenSource? _watch;
    private Task? _watchTask;

    private CairnTarget(string cairn, string transport, bool serverWorkers)
    {
        _cairn = cairn;
        _transport = transport;
        _serverWorkers = serverWorkers;
        _dir = Directory.CreateTempSubdirectory("cairn-bench-jobs-");
    }

    private CairnClient Client => _client ?? throw new InvalidOperationException("the server is not running");

    public static TargetKind ClientWorkers(string cairn, string transport) => new(
        "cairn",
        Durable: true,
        $"`cairn serve` (embedded SQLite, fresh temp data dir, durability full — the default), Jobs:Workers=0; workers in the benchmark process via Cairn.Client `CreateJobWorker` (a no-op `IJobHandler`), enqueue via `EnqueueJobAsync`, over {(transport == "unix" ? "the Unix socket" : "loopback TCP")}",
        async ct =>
        {
            var t = new CairnTarget(cairn, transport, serverWorkers: false);
            await t.StartServerAsync(0, ct).ConfigureAwait(false);
            return t;
        });

    public static TargetKind ServerWorkers(string cairn, string transport) => new(
        "cairn-server",
        Durable: true,
        $"the same server with its own workers (Jobs:Workers=N) running the built-in `cairn.noop`; enqueue via Cairn.Client over {(transport == "unix" ? "the Unix socket" : "loopback TCP")}; starts seen through a keyspace watch on the claim keys. Starting N workers restarts the server with Jobs:Workers=N (in the backlog cell the drain time includes that restart)",
        async ct =>
        {
            var t = new CairnTarget(cairn, transport, serverWorkers: true);
            await t.StartServerAsync(0, ct).ConfigureAwait(false);
            await t.StartWatchAsync(ct).ConfigureAwait(false);
            return t;
        });

    public async Task EnqueueAsync(long enqueuedAt, CancellationToken cancellationToken)
    {
        if (!_serverWorkers)
        {
            var args = JsonSerializer.SerializeToElement(new Dictionary<string, long> { ["t"] = enqueuedAt });
            await Client.EnqueueJobAsync(new EnqueueJobDto { Type = BenchType, Args = args }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var job = (await Client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop" }, cancellationToken).ConfigureAwait(false)).Job;
        long claimedAt;
        lock (_gate)
        {
            if (!_claimedEarly.Remove(job.Id, out claimedAt))
            {
                _stamps[job.Id] = enqueuedAt;
                return;
            }
        }

        Probe.Run(enqueuedAt, claimedAt);
    }

    public async Task StartWorkersAsync(int workers, CancellationToken cancellationToken)
    {
        if (_serverWorkers)
        {
            await StopServerAsync().ConfigureAwait(false);
            await StartServerAsync(workers, cancellationToken).ConfigureAwait(false);
            await StartWatchAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        _worker = Client.CreateJobWorker(new JobWorkerOptions
        {
            Concurrency = workers,
            Handlers = [new JobHandlerRegistration(BenchType, new NoopHandler())],
        });
        await _worker.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopWorkersAsync()
    {
        if (_serverWorkers)
        {
            await StopServerAsync().ConfigureAwait(false);
            return;
        }

        if (_worker is { } worker)
        {
            _worker = null;
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkersAsync().ConfigureAwait(false);
        await StopServerAsync().ConfigureAwait(false);
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp dir; costs only space.
        }
    }

    private async Task StartServerAsync(int workers, CancellationToken ct)
    {
        string listen, endpoint;
        if (_transport == "unix")
        {
            var sock = Path.Combine(_dir.FullName, "cairn.sock");
            File.Delete(sock);
            listen = "unix:" + sock;
            endpoint = listen;
        }
        else
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            listen = endpoint = "http://127.0.0.1:" + ((IPEndPoint)l.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        }

        var psi = _cairn.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { _cairn } } : new ProcessStartInfo(_cairn);
        foreach (var a in new[] { "serve", "--data-dir", Path.Combine(_dir.FullName, "data"), "--listen", listen })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CAIRN_JOBS__WORKERS"] = workers.ToString(CultureInfo.InvariantCulture);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var log = new ConcurrentQueue<string>();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + _cairn);
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _client = new CairnClient(new CairnClientOptions { Endpoint = endpoint });

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await _client.StatusAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (UnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            catch (UnavailableException)
            {
                throw new InvalidOperationException("cairn serve did not come up: " + string.Join(" | ", log));
            }
        }
    }

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 20)
        {
            log.TryDequeue(out _);
        }
    }

    private async Task StopServerAsync()
    {
        if (_watch is { } watch)
        {
            _watch = null;
            await watch.CancelAsync().ConfigureAwait(false);
            try
            {
                await (_watchTask ?? Task.CompletedTask).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or CairnException or HttpRequestException or IOException)
            {
                // The watch ends with the server.
            }

            watch.Dispose();
        }

        _client?.Dispose();
        _client = null;
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            // SIGTERM: the server's graceful stop (as an operator's restart would be).
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        process.Dispose();
    }

    // cairn-server: every put of a claim key is a job starting on a server worker.
    private async Task StartWatchAsync(CancellationToken ct)
    {
        var status = await Client.StatusAsync(ct).ConfigureAwait(false);
        _watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = _watch.Token;
        var client = Client;
        _watchTask = Task.Run(
            async () =>
            {
                await foreach (var e in client.WatchAsync(RunPrefix, prefix: true, fromRevision: status.Revision + 1, cancellationToken: token).ConfigureAwait(false))
                {
                    if (e.Type != WatchEventType.Put || e.Kv.Version != 1)
                    {
                        continue; // heartbeats rewrite the key; only its creation is the start
                    }

                    var now = Stopwatch.GetTimestamp();
                    var id = long.Parse(e.Kv.Key.AsSpan(RunPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
                    long stamp;
                    lock (_gate)
                    {
                        if (!_stamps.Remove(id, out stamp))
                        {
                            _claimedEarly[id] = now;
                            continue;
                        }
                    }

                    Probe.Run(stamp, now);
                }
            },
            token);
    }

    private sealed class NoopHandler : IJobHandler
    {
        public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken)
        {
            Probe.Run(context.Args.GetProperty("t").GetInt64());
            return Task.FromResult<JsonElement?>(null);
        }
    }
}
