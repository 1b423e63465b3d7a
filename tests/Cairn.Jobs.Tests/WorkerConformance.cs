using System.Text.Json;
using Cairn.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Jobs.Tests;

/// <summary>
/// Workers on the real job store, on every backend, with a fake clock that the test moves (heartbeats, timeouts, claim
/// expiry and backoff all run on it): results and logs arrive, a long job keeps its claim, a dead worker's job is retried
/// once and its late word refused, retries end in <c>failed</c> with every attempt's log, cancelling and timing out stop
/// handlers and script process trees, and a type's concurrency limit holds.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class WorkerConformance(Backend backend) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan ClaimTtl = TimeSpan.FromSeconds(5);

    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-jobs-worker-").FullName;
    private readonly List<JobWorker> _workers = [];
    private IKeyspace? _keyspace;
    private JobStore? _jobs;

    private FakeTimeProvider Time { get; } = new(T0);

    private JobStore Jobs => _jobs ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _keyspace = await backend.OpenEmptyAsync(_directory);
        _jobs = new JobStore(_keyspace, new JobsOptions
        {
            Time = Time,
            NodeId = "node-1",
            ClaimTtl = ClaimTtl,
            Backoff = TimeSpan.FromSeconds(10),
            MaxBackoff = TimeSpan.FromMinutes(1),
            Random = new Random(42),
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        if (_keyspace is not null)
        {
            await _keyspace.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Handler_Succeeds_WithItsResultAndLog()
    {
        await StartWorkerAsync(Jobs, ("greet", new Handler(async (context, ct) =>
        {
            await context.LogAsync($"hello {context.Args.GetProperty("name").GetString()}\n", ct);
            return Json("""{"greeted":true}""");
        })));

        var (job, _) = await Jobs.EnqueueAsync(Enqueue("greet", """{"name":"ada"}"""));
        var done = await UntilStateAsync(job.Id, JobStates.Succeeded);

        Assert.True(done.Result!.Value.GetProperty("greeted").GetBoolean());
        var attempt = Assert.Single(done.Attempts);
        Assert.Equal(JobOutcomes.Succeeded, attempt.Outcome);
        Assert.Equal("node-1", attempt.Node);
        Assert.Equal("hello ada\n", string.Concat((await Jobs.ReadLogAsync(job.Id)).Select(c => c.Text)));
    }

    [Fact]
    public async Task LongJob_KeepsItsClaimByHeartbeats_AndRunsExactlyOnce()
    {
        var source = new TestSource(Jobs, Time);
        var started = 0;
        await StartWorkerAsync(source, ("long", new Handler(async (context, ct) =>
        {
            Interlocked.Increment(ref started);
            await Task.Delay(TimeSpan.FromMinutes(10), Time, ct);
            return null;
        })));

        var (job, _) = await Jobs.EnqueueAsync(Enqueue("long"));
        await Eventually.UntilAsync(() => Volatile.Read(ref started) == 1, Deadline, "the job started");
        for (var second = 1; second <= 600; second++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            if (second < 600)
            {
                // A beat is due every ClaimTtl/3 (on the fake clock, ticks land on whole steps): wait for a due one to
                // land before moving on, as a worker's real clock would let it.
                await Eventually.UntilAsync(() => Time.GetUtcNow() - source.LastBeat <= ClaimTtl / 3 + TimeSpan.FromSeconds(1),
                    Deadline, $"a heartbeat at {second} s");
            }

            Assert.Equal(0, await Jobs.RecoverExpiredAsync());
        }

        Assert.True(source.Heartbeats >= 200, $"{source.Heartbeats} heartbeats in 10 minutes");
        var done = await UntilStateAsync(job.Id, JobStates.Succeeded);
        Assert.Equal(1, Volatile.Read(ref started));
        Assert.Equal(JobOutcomes.Succeeded, Assert.Single(done.Attempts).Outcome);
    }

    [Fact]
    public async Task DeadWorker_IsRecovered_TheJobRunsOnceMoreElsewhere_AndTheDeadAttemptsWordIsRefused()
    {
        var dead = new TestSource(Jobs, Time);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new List<string>();
        await StartWorkerAsync(dead, ("report", new Handler(async (context, ct) =>
        {
            lock (runs)
            {
                runs.Add("dead");
            }

            await release.Task.WaitAsync(ct);
            return null;
        })));
        var (job, _) = await Jobs.EnqueueAsync(Enqueue("report"));
        await Eventually.UntilAsync(() => dead.Claims.Count == 1 && runs.Count == 1, Deadline, "the first worker runs the job");

        // What a killed worker looks like from the store: nothing more from it.
        dead.Dead = true;
        for (var i = 0; i < ClaimTtl.TotalSeconds + 1; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, await Jobs.RecoverExpiredAsync());
        var lost = await Jobs.GetAsync(job.Id);
        Assert.Equal(JobOutcomes.Lost, lost!.Attempts[0].Outcome);

        await StartWorkerAsync(Jobs, ("report", new Handler((context, ct) =>
        {
            lock (runs)
            {
                runs.Add("healthy");
            }

            return Task.FromResult<JsonElement?>(Json("1"));
        })));
        await PromoteUntilStateAsync(job.Id, JobStates.Succeeded);

        await Assert.ThrowsAsync<ConflictException>(() => Jobs.CompleteAsync(dead.Claims[0], new JobCompletionDto { Token = dead.Claims[0].Token, Outcome = JobOutcomes.Succeeded }));
        release.SetResult();
        var done = await Jobs.GetAsync(job.Id);
        Assert.Equal(JobStates.Succeeded, done!.State);
        Assert.Equal([JobOutcomes.Lost, JobOutcomes.Succeeded], done.Attempts.Select(a => a.Outcome));
        Assert.Equal(["dead", "healthy"], runs);
    }

    [Fact]
    public async Task FailingHandler_IsRetriedWithBackoff_UntilFailed_WithEveryAttemptsLog()
    {
        await StartWorkerAsync(Jobs, ("flaky", new Handler(async (context, ct) =>
        {
            await context.LogAsync($"trying {context.Attempt}\n", ct);
            throw new InvalidOperationException($"boom {context.Attempt}\nsecond line");
        })));

        var request = Enqueue("flaky");
        request.MaxAttempts = 3;
        var (job, _) = await Jobs.EnqueueAsync(request);
        var done = await PromoteUntilStateAsync(job.Id, JobStates.Failed);

        Assert.Equal(["boom 1", "boom 2", "boom 3"], done.Attempts.Select(a => a.Error));
        Assert.All(done.Attempts, a => Assert.Equal(JobOutcomes.Failed, a.Outcome));
        Assert.Contains("boom 3", done.Reason);
        var log = await Jobs.ReadLogAsync(job.Id);
        Assert.Equal(["1:trying 1\n", "2:trying 2\n", "3:trying 3\n"], log.Select(c => $"{c.Attempt}:{c.Text}"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task CancellingARunningJob_StopsItsHandler_AndKillsAScriptsProcessTree()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobsDirectory = Path.Combine(_directory, "scripts");
        Directory.CreateDirectory(jobsDirectory);
        var pids = Path.Combine(_directory, "pids");
        var script = Path.Combine(jobsDirectory, "tree.sh");
        File.WriteAllText(script, $"#!/bin/sh\nsleep 1000 &\necho \"$$ $!\" > '{pids}.tmp'\nmv '{pids}.tmp' '{pids}'\nwait\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var scripts = new ScriptJobs(new ScriptJobOptions { Directory = jobsDirectory, WorkDirectory = Path.Combine(_directory, "work") });
        await StartWorkerAsync(Jobs, [new("wait", new Handler(async (context, ct) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                stopped.SetResult();
            }

            return null;
        })), .. scripts.Registrations], concurrency: 2);

        var (waiting, _) = await Jobs.EnqueueAsync(Enqueue("wait"));
        var (tree, _) = await Jobs.EnqueueAsync(Enqueue("script:tree.sh"));
        await started.Task.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => File.Exists(pids), Deadline, "the script started its child");
        var both = File.ReadAllText(pids).Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

        await Jobs.CancelAsync(waiting.Id, "no longer needed");
        await Jobs.CancelAsync(tree.Id);

        await stopped.Task.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => !ScriptJobsTests.Alive(both[0]) && !ScriptJobsTests.Alive(both[1]), Deadline, "the script and its child are gone");
        await Eventually.UntilAsync(() => _workers[0].Running == 0, Deadline, "the worker let both attempts go");
        foreach (var id in new[] { waiting.Id, tree.Id })
        {
            var job = await Jobs.GetAsync(id);
            Assert.Equal(JobStates.Cancelled, job!.State);
            Assert.NotEqual(JobOutcomes.Succeeded, job.Attempts[^1].Outcome);
        }
    }

    [Fact]
    public async Task TimedOutAttempt_IsStopped_AndRetried()
    {
        var started = 0;
        await StartWorkerAsync(Jobs, ("slow", new Handler(async (context, ct) =>
        {
            Interlocked.Increment(ref started);
            if (context.Attempt == 1)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return Json("2");
        })));

        var request = Enqueue("slow");
        request.TimeoutSeconds = 30;
        request.MaxAttempts = 2;
        var (job, _) = await Jobs.EnqueueAsync(request);
        await Eventually.UntilAsync(() => Volatile.Read(ref started) == 1, Deadline, "the first attempt started");
        Time.Advance(TimeSpan.FromSeconds(31));
        var done = await PromoteUntilStateAsync(job.Id, JobStates.Succeeded);

        Assert.Equal(JobOutcomes.TimedOut, done.Attempts[0].Outcome);
        Assert.Equal("timed out after 30 s", done.Attempts[0].Error);
        Assert.Equal(JobOutcomes.Succeeded, done.Attempts[1].Outcome);
        Assert.Equal(2, done.Result!.Value.GetInt32());
    }

    [Fact]
    public async Task ConcurrencyLimit_IsNeverExceeded()
    {
        var running = 0;
        var most = 0;
        await StartWorkerAsync(Jobs, [new("limited", new Handler(async (context, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            try
            {
                // Holds its slot a little, so claims overlap.
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
                return null;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }))], concurrency: 8);

        var ids = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            var request = Enqueue("limited", $$"""{"n":{{i}}}""");
            request.MaxConcurrency = 3;
            ids.Add((await Jobs.EnqueueAsync(request)).Job.Id);
        }

        await Eventually.UntilAsync(async () => (await Jobs.ListAsync(JobStates.Succeeded, null, "limited", 0, 1000)).Jobs.Count == 50,
            TimeSpan.FromMinutes(3), "all 50 jobs succeeded");
        Assert.InRange(Volatile.Read(ref most), 1, 3);
        foreach (var id in ids)
        {
            Assert.Single((await Jobs.GetAsync(id))!.Attempts);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private Task StartWorkerAsync(IJobSource source, (string Type, IJobHandler Handler) handler) =>
        StartWorkerAsync(source, [new JobHandlerRegistration(handler.Type, handler.Handler)]);

    private async Task StartWorkerAsync(IJobSource source, IReadOnlyList<JobHandlerRegistration> handlers, int concurrency = 1)
    {
        var worker = new JobWorker(source, new JobWorkerOptions
        {
            WorkerId = $"worker-{_workers.Count + 1}",
            Node = "node-1",
            Concurrency = concurrency,
            Handlers = handlers,
            PollWait = TimeSpan.FromSeconds(2),
            Time = Time,
        });
        _workers.Add(worker);
        await worker.StartAsync();
    }

    private async Task<JobDto> UntilStateAsync(long id, string state)
    {
        JobDto? job = null;
        await Eventually.UntilAsync(async () => (job = await Jobs.GetAsync(id))?.State == state, Deadline, $"job {id} is {state} (was {job?.State}: {job?.Reason})");
        return job!;
    }

    /// <summary>Waits for a state, moving the clock on to each retry's time and promoting it as the server's loop would.</summary>
    private async Task<JobDto> PromoteUntilStateAsync(long id, string state)
    {
        JobDto? job = null;
        await Eventually.UntilAsync(async () =>
        {
            job = await Jobs.GetAsync(id);
            if (job?.State == JobStates.Scheduled && job.RunAt is { } at)
            {
                if (at > Time.GetUtcNow())
                {
                    Time.Advance(at - Time.GetUtcNow());
                }

                await Jobs.PromoteDueAsync();
            }

            return job?.State == state;
        }, Deadline, $"job {id} is {state}");
        return job!;
    }

    private static EnqueueJobDto Enqueue(string type, string args = "{}") => new() { Type = type, Args = Json(args) };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private sealed class Handler(Func<JobContext, CancellationToken, Task<JsonElement?>> run) : IJobHandler
    {
        public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken) => run(context, cancellationToken);
    }

    /// <summary>The store as a worker process sees it, counting heartbeats; once <see cref="Dead"/>, it forwards nothing
    /// more (no heartbeats, no completions, no fencing news), which is what a killed worker looks like to the store.</summary>
    private sealed class TestSource(IJobSource inner, TimeProvider time) : IJobSource
    {
        private int _heartbeats;
        private long _lastBeat = time.GetUtcNow().UtcTicks;

        /// <summary>When the last claim or heartbeat landed (on the test's clock).</summary>
        public DateTimeOffset LastBeat => new(Interlocked.Read(ref _lastBeat), TimeSpan.Zero);

        public List<JobClaim> Claims { get; } = [];

        public volatile bool Dead;

        public int Heartbeats => Volatile.Read(ref _heartbeats);

        public async Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default)
        {
            if (Dead)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var claim = await inner.ClaimAsync(request, wait, cancellationToken);
            if (claim is not null)
            {
                lock (Claims)
                {
                    Claims.Add(claim);
                }

                Interlocked.Exchange(ref _lastBeat, time.GetUtcNow().UtcTicks);
            }

            return claim;
        }

        public async Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default)
        {
            if (Dead)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var alive = await inner.HeartbeatAsync(claim, cancellationToken);
            Interlocked.Exchange(ref _lastBeat, time.GetUtcNow().UtcTicks);
            Interlocked.Increment(ref _heartbeats);
            return alive;
        }

        public Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default) =>
            Dead ? throw new IOException("the worker is dead") : inner.AppendLogAsync(claim, text, cancellationToken);

        public Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default) =>
            Dead ? throw new IOException("the worker is dead") : inner.CompleteAsync(claim, completion, cancellationToken);

        public async Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default)
        {
            // A dead worker hears nothing; heartbeats tell a live one (and this test's worker is fenced only by them).
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}

/// <summary>The worker on a scripted source (no store): what it reports for each way an attempt ends, that logs keep their
/// order, and that its claim loop outlives a source that fails.</summary>
public sealed class JobWorkerTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly ScriptedSource _source = new();
    private JobWorker? _worker;

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
    }

    [Fact]
    public async Task Outcomes_AreReportedWithTheToken()
    {
        Start(new Dictionary<string, Func<JobContext, CancellationToken, Task<JsonElement?>>>
        {
            ["ok"] = async (context, ct) =>
            {
                for (var i = 0; i < 20; i++)
                {
                    _ = context.LogAsync($"{i},", ct);
                }

                await context.StoreFileAsync("a.txt", new MemoryStream([1, 2, 3]), ct);
                return JsonDocument.Parse("7").RootElement.Clone();
            },
            ["throws"] = (context, ct) => throw new InvalidOperationException("first line\nsecond line"),
        }, storeFile: true);

        var ok = _source.Offer("ok", token: 11);
        var throws = _source.Offer("throws", token: 12);
        var okDone = await _source.CompletionOfAsync(ok);
        var throwsDone = await _source.CompletionOfAsync(throws);

        Assert.Equal((JobOutcomes.Succeeded, 11L, 7), (okDone.Outcome, okDone.Token, okDone.Result!.Value.GetInt32()));
        Assert.Equal(["blob:a.txt"], okDone.Files);
        Assert.Equal(string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},")), _source.LogOf(ok));
        Assert.Equal((JobOutcomes.Failed, "first line"), (throwsDone.Outcome, throwsDone.Error));
    }

    [Fact]
    public async Task FileWithoutAStore_FailsTheAttemptClearly()
    {
        Start(new() { ["file"] = async (context, ct) => { await context.StoreFileAsync("x.bin", new MemoryStream(), ct); return null; } });

        var done = await _source.CompletionOfAsync(_source.Offer("file"));

        Assert.Equal(JobOutcomes.Failed, done.Outcome);
        Assert.Contains("cannot store files", done.Error);
    }

    [Fact]
    public async Task FencedAttempt_IsStopped_AndNotReported()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Start(new() { ["wait"] = async (context, ct) => { await WaitCancelledAsync(cancelled, ct); return null; } });

        var claim = _source.Offer("wait");
        await Eventually.UntilAsync(() => _worker!.Running == 1, Deadline, "the attempt runs");
        _source.Fence(claim);

        await cancelled.Task.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => _worker!.Running == 0, Deadline, "the attempt ended");
        Assert.Empty(_source.Completions);
    }

    [Fact]
    public async Task RefusedHeartbeat_FencesTheAttempt()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Start(new() { ["wait"] = async (context, ct) => { await WaitCancelledAsync(cancelled, ct); return null; } });

        _source.HeartbeatAnswer = false;
        _source.Offer("wait");
        await Eventually.UntilAsync(() => _worker!.Running == 1, Deadline, "the attempt runs");
        _time.Advance(TimeSpan.FromSeconds(11));

        await cancelled.Task.WaitAsync(Deadline);
        await Eventually.UntilAsync(() => _worker!.Running == 0, Deadline, "the attempt ended");
        Assert.Empty(_source.Completions);
    }

    [Fact]
    public async Task Timeout_IsReportedAsTimedOut()
    {
        Start(new() { ["wait"] = async (context, ct) => { await Task.Delay(Timeout.Infinite, ct); return null; } });

        var claim = _source.Offer("wait", timeoutSeconds: 2.5);
        await Eventually.UntilAsync(() => _worker!.Running == 1, Deadline, "the attempt runs");
        _time.Advance(TimeSpan.FromSeconds(3));

        var done = await _source.CompletionOfAsync(claim);
        Assert.Equal((JobOutcomes.TimedOut, "timed out after 2.5 s"), (done.Outcome, done.Error));
    }

    [Fact]
    public async Task StoppingTheWorker_ReportsItsRunningAttemptsAsLost()
    {
        Start(new() { ["wait"] = async (context, ct) => { await Task.Delay(Timeout.Infinite, ct); return null; } });

        var claim = _source.Offer("wait");
        await Eventually.UntilAsync(() => _worker!.Running == 1, Deadline, "the attempt runs");
        await _worker!.DisposeAsync();

        var done = await _source.CompletionOfAsync(claim);
        Assert.Equal((JobOutcomes.Lost, "worker stopped"), (done.Outcome, done.Error));
    }

    [Fact]
    public async Task ClaimLoop_SurvivesAFailingSource()
    {
        _source.ClaimErrors = 2;
        Start(new() { ["ok"] = (context, ct) => Task.FromResult<JsonElement?>(null) });

        var done = await _source.CompletionOfAsync(_source.Offer("ok"));

        Assert.Equal(JobOutcomes.Succeeded, done.Outcome);
        Assert.Equal(0, _source.ClaimErrors);
    }

    [Fact]
    public void Handlers_AreFoundByExactTypeFirst_ThenTheLongestPattern()
    {
        var exact = new NoHandler();
        var scripts = new NoHandler();
        var reports = new NoHandler();
        IReadOnlyList<JobHandlerRegistration> handlers = [new("script:*", scripts), new("script:reports/*", reports), new("script:reports/x", exact)];

        Assert.Same(exact, JobWorker.FindHandler(handlers, "script:reports/x"));
        Assert.Same(reports, JobWorker.FindHandler(handlers, "script:reports/y"));
        Assert.Same(scripts, JobWorker.FindHandler(handlers, "script:other"));
        Assert.Null(JobWorker.FindHandler(handlers, "mail"));
        Assert.Equal("x", JobWorker.OneLine(new InvalidOperationException("x\r\ny")));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(JobWorker.OneLine(new InvalidOperationException(new string('é', 2000)))) <= 1024);
    }

    private static async Task WaitCancelledAsync(TaskCompletionSource cancelled, CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            cancelled.SetResult();
            throw;
        }
    }

    private void Start(Dictionary<string, Func<JobContext, CancellationToken, Task<JsonElement?>>> handlers, bool storeFile = false)
    {
        _worker = new JobWorker(_source, new JobWorkerOptions
        {
            Concurrency = 2,
            Handlers = [.. handlers.Select(h => new JobHandlerRegistration(h.Key, new Handler(h.Value)))],
            PollWait = TimeSpan.FromSeconds(1),
            Time = _time,
            StoreFile = storeFile ? (claim, name, content, ct) => Task.FromResult("blob:" + name) : null,
        });
        _ = _worker.StartAsync();
    }

    private sealed class NoHandler : IJobHandler
    {
        public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken) => Task.FromResult<JsonElement?>(null);
    }

    private sealed class Handler(Func<JobContext, CancellationToken, Task<JsonElement?>> run) : IJobHandler
    {
        public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken) => run(context, cancellationToken);
    }

    /// <summary>Hands out the claims a test offers, and records what the worker says about them.</summary>
    private sealed class ScriptedSource : IJobSource
    {
        private readonly System.Threading.Channels.Channel<JobClaim> _offers = System.Threading.Channels.Channel.CreateUnbounded<JobClaim>();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<long, TaskCompletionSource> _fences = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<long, System.Text.StringBuilder> _logs = new();
        private long _next;
        private int _claimErrors;

        public System.Collections.Concurrent.ConcurrentDictionary<long, JobCompletionDto> Completions { get; } = new();

        public bool HeartbeatAnswer { get; set; } = true;

        public int ClaimErrors
        {
            get => Volatile.Read(ref _claimErrors);
            set => Volatile.Write(ref _claimErrors, value);
        }

        public JobClaim Offer(string type, long token = 100, double timeoutSeconds = 3600)
        {
            var job = new JobDto { Id = Interlocked.Increment(ref _next), Type = type, Args = JsonDocument.Parse("{}").RootElement.Clone(), TimeoutSeconds = timeoutSeconds, State = JobStates.Processing };
            var claim = new JobClaim(job, 1, token, TimeSpan.FromSeconds(30));
            _fences[job.Id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _offers.Writer.TryWrite(claim);
            return claim;
        }

        public void Fence(JobClaim claim) => _fences[claim.JobId].TrySetResult();

        public async Task<JobCompletionDto> CompletionOfAsync(JobClaim claim)
        {
            await Eventually.UntilAsync(() => Completions.ContainsKey(claim.JobId), Deadline, $"job {claim.JobId} is reported");
            return Completions[claim.JobId];
        }

        public string LogOf(JobClaim claim)
        {
            var log = _logs.GetOrAdd(claim.JobId, _ => new());
            lock (log)
            {
                return log.ToString();
            }
        }

        public async Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref _claimErrors) >= 0)
            {
                throw new IOException("connection refused");
            }

            Interlocked.Exchange(ref _claimErrors, 0);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                return await _offers.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        public Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default) => Task.FromResult(HeartbeatAnswer);

        public async Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default)
        {
            // Uneven delays: a write that overtook the one before it would show in the log.
            await Task.Delay(Random.Shared.Next(0, 3), cancellationToken);
            var log = _logs.GetOrAdd(claim.JobId, _ => new());
            lock (log)
            {
                log.Append(text);
            }
        }

        public Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default)
        {
            Completions[claim.JobId] = completion;
            return Task.FromResult(claim.Job);
        }

        public Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default) => _fences[claim.JobId].Task.WaitAsync(cancellationToken);
    }
}
