using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Jobs;

namespace Cairn.Client.Tests;

/// <summary>A server that runs its built-in handlers (<c>cairn.noop</c>) on the default queue, with short retry backoff.</summary>
public sealed class JobsServerFixture : ServerFixture
{
    public JobsServerFixture()
    {
        Settings["Jobs:Workers"] = "2";
        Settings["Jobs:Backoff"] = "1s";
        Settings["Jobs:MaxBackoff"] = "2s";
    }
}

/// <summary>The job API through the client against a real server, over both transports. Jobs that must stay put (to be
/// cancelled, retried, listed) go to a queue of their own that no worker takes from.</summary>
public sealed class JobsTests(JobsServerFixture fixture) : IClassFixture<JobsServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static async Task<JobDto> FinalAsync(CairnClient client, long id)
    {
        JobDto? job = null;
        await Eventually.UntilAsync(async () => (job = await client.GetJobAsync(id))!.State is var s && JobStates.IsFinal(s), Deadline, $"job {id} ends");
        return job!;
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Enqueue_Noop_RunsOnTheServer_AndSucceedsWithItsArgsAsResult(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));

        var (job, created) = await client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop", Args = Json("""{"n":42,"s":"x"}""") });
        var done = await FinalAsync(client, job.Id);

        Assert.True(created);
        Assert.True(job.Id > 0);
        Assert.Equal("cairn.noop", job.Type);
        Assert.Equal(JobNames.DefaultQueue, job.Queue);
        Assert.Equal(JobStates.Succeeded, done.State);
        Assert.Equal(42, done.Result!.Value.GetProperty("n").GetInt32());
        var attempt = Assert.Single(done.Attempts);
        Assert.Equal(JobOutcomes.Succeeded, attempt.Outcome);
        Assert.NotNull(attempt.EndedAt);
    }

    [Fact]
    public async Task Enqueue_WithAnIdempotencyKeyTwice_ReturnsTheFirstJob_AndMakesNoSecond()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var queue = Unique("idem");
        var key = Unique("key");

        var first = await client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop", Queue = queue, IdempotencyKey = key });
        var second = await client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop", Queue = queue, IdempotencyKey = key, Args = Json("""{"other":true}""") });
        var listed = await client.ListJobsAsync(new JobListQuery { Queue = queue });

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Job.Id, second.Job.Id);
        Assert.Equal(key, second.Job.IdempotencyKey);
        Assert.Equal([first.Job.Id], listed.Jobs.Select(j => j.Id));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task CancelRetryDelete_MoveAWaitingJob_AndGetSaysNullOnceItIsGone(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var queue = Unique("idle");
        var job = (await client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop", Queue = queue })).Job;

        var cancelled = await client.CancelJobAsync(job.Id);
        var cancelAgain = await Assert.ThrowsAsync<ConflictException>(() => client.CancelJobAsync(job.Id));
        var retried = await client.RetryJobAsync(job.Id);
        var retryAgain = await Assert.ThrowsAsync<ConflictException>(() => client.RetryJobAsync(job.Id));
        var deleted = await client.DeleteJobAsync(job.Id);
        var deletedAgain = await client.DeleteJobAsync(job.Id);
        var gone = await client.GetJobAsync(job.Id);

        Assert.Equal(JobStates.Enqueued, job.State);
        Assert.Equal(JobStates.Cancelled, cancelled.State);
        Assert.Contains("cancel", cancelled.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JobStates.Enqueued, retried.State);
        Assert.True(deleted);
        Assert.False(deletedAgain);
        Assert.Null(gone);
        Assert.NotEmpty(cancelAgain.Message);
        Assert.NotEmpty(retryAgain.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => client.CancelJobAsync(job.Id));
    }

    [Fact]
    public async Task List_FiltersByQueueStateAndType_AndPagesById()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var queue = Unique("list");
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.EnqueueJobAsync(new EnqueueJobDto { Type = i % 2 == 0 ? "cairn.noop" : "app.other", Queue = queue })).Job.Id);
        }

        await client.CancelJobAsync(ids[4]);

        var page1 = await client.ListJobsAsync(new JobListQuery { Queue = queue, Limit = 2 });
        var page2 = await client.ListJobsAsync(new JobListQuery { Queue = queue, Limit = 2, After = page1.Next });
        var all = new List<long>();
        await foreach (var job in client.ListAllJobsAsync(new JobListQuery { Queue = queue, Limit = 2 }))
        {
            all.Add(job.Id);
        }

        var enqueuedNoop = await client.ListJobsAsync(new JobListQuery { Queue = queue, State = JobStates.Enqueued, Type = "cairn.noop" });
        var cancelled = await client.ListJobsAsync(new JobListQuery { Queue = queue, State = JobStates.Cancelled });

        Assert.Equal(ids.Take(2), page1.Jobs.Select(j => j.Id));
        Assert.NotNull(page1.Next);
        Assert.Equal(ids.Skip(2).Take(2), page2.Jobs.Select(j => j.Id));
        Assert.Equal(ids, all);
        Assert.Equal([ids[0], ids[2]], enqueuedNoop.Jobs.Select(j => j.Id));
        Assert.Equal([ids[4]], cancelled.Jobs.Select(j => j.Id));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.ListJobsAsync(new JobListQuery { State = "sleeping" }));
    }

    [Fact]
    public async Task Follow_DeliversTheJobUntilItsFinalState_ThenEnds()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var job = (await client.EnqueueJobAsync(new EnqueueJobDto { Type = "cairn.noop", Args = Json("""{"follow":1}""") })).Job;
        using var timeout = new CancellationTokenSource(Deadline);

        var states = new List<string>();
        await foreach (var change in client.FollowJobAsync(job.Id, timeout.Token))
        {
            if (change.Job is { } j)
            {
                states.Add(j.State);
            }
        }

        Assert.Equal(JobStates.Succeeded, states[^1]);
        Assert.Equal(states.Count, states.Distinct().Count());
    }

    [Fact]
    public async Task Follow_AJobThatDoesNotExist_IsNotFound()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);

        await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var _ in client.FollowJobAsync(long.MaxValue - 7))
            {
            }
        });
        Assert.Null(await client.GetJobAsync(long.MaxValue - 7));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.GetJobAsync(0));
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task Recurring_PutGetListTriggerDelete_RoundTrip(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var name = Unique("rec");
        var spec = new RecurringJobDto
        {
            Name = name,
            Type = "cairn.noop",
            Args = Json("""{"from":"recurring"}"""),
            Interval = new JobIntervalDto { Unit = "weeks", Every = 2 },
        };

        var created = await client.PutRecurringJobAsync(spec);
        spec.Interval = new JobIntervalDto { Unit = "days", Every = 1 };
        var replaced = await client.PutRecurringJobAsync(spec);
        var got = await client.GetRecurringJobAsync(name);
        var listed = await client.ListRecurringJobsAsync();
        var fired = await client.TriggerRecurringJobAsync(name);
        var done = await FinalAsync(client, fired.Id);
        var deleted = await client.DeleteRecurringJobAsync(name);
        var deletedAgain = await client.DeleteRecurringJobAsync(name);

        Assert.True(created.Created);
        Assert.False(replaced.Created);
        Assert.Equal(name, got!.Name);
        Assert.Equal("days", got.Interval!.Unit);
        Assert.NotNull(got.NextAt);
        Assert.True(got.NextAt > DateTimeOffset.UtcNow.AddHours(23));
        Assert.Contains(listed, r => r.Name == name);
        Assert.Equal("cairn.noop", fired.Type);
        Assert.Equal(name, fired.Recurring);
        Assert.Equal(JobStates.Succeeded, done.State);
        Assert.Equal("recurring", done.Result!.Value.GetProperty("from").GetString());
        Assert.True(deleted);
        Assert.False(deletedAgain);
        Assert.Null(await client.GetRecurringJobAsync(name));
        await Assert.ThrowsAsync<NotFoundException>(() => client.TriggerRecurringJobAsync(name));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => client.PutRecurringJobAsync(new RecurringJobDto { Name = name, Type = "cairn.noop", Cron = "not a cron" }));
    }
}

/// <summary>A .NET application hosting its own handler through the client (as a Hangfire server runs in an application),
/// and the worker routes' fencing, against a server that runs no jobs itself.</summary>
public sealed class JobWorkerHostingTests(JobWorkerHostingTests.NoWorkersFixture fixture) : IClassFixture<JobWorkerHostingTests.NoWorkersFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A server whose own worker runs nothing: every job here is run by the application's worker.</summary>
    public sealed class NoWorkersFixture : ServerFixture
    {
        public NoWorkersFixture() => Settings["Jobs:Workers"] = "0";
    }

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    /// <summary>Greets: logs a line, stores a file, and returns a greeting; fails its first attempt when asked to.</summary>
    private sealed class GreetHandler : IJobHandler
    {
        public async Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken)
        {
            var name = context.Args.GetProperty("name").GetString();
            await context.LogAsync($"attempt {context.Attempt}: greeting {name}\n", cancellationToken);
            if (context.Args.TryGetProperty("failFirst", out var failFirst) && failFirst.GetBoolean() && context.Attempt == 1)
            {
                throw new InvalidOperationException("first attempts always fail here");
            }

            using var file = new MemoryStream(Encoding.UTF8.GetBytes($"hello, {name}"));
            await context.StoreFileAsync("greeting.txt", file, cancellationToken);
            return JsonDocument.Parse($$"""{"greeting":"hello, {{name}}"}""").RootElement.Clone();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.All), MemberType = typeof(Transports))]
    public async Task AnApplicationsHandler_RunsAJobToSuccess_WithItsLogResultAndFile(string transport)
    {
        using var client = new CairnClient(fixture.Endpoint(transport));
        var queue = Unique("app");
        var type = Unique("app.greet");
        var worker = client.CreateJobWorker(new JobWorkerOptions
        {
            Queues = [queue],
            Concurrency = 2,
            Handlers = [new JobHandlerRegistration(type, new GreetHandler())],
            PollWait = TimeSpan.FromSeconds(2),
        });
        await using (worker)
        {
            await worker.StartAsync();
            var job = (await client.EnqueueJobAsync(new EnqueueJobDto
            {
                Type = type,
                Queue = queue,
                Args = JsonDocument.Parse("""{"name":"Ada","failFirst":true}""").RootElement.Clone(),
                MaxAttempts = 3,
            })).Job;

            JobDto? done = null;
            await Eventually.UntilAsync(async () => (done = await client.GetJobAsync(job.Id))!.State is JobStates.Succeeded or JobStates.Failed, Deadline, "the application's worker finishes the job");

            var log = await client.ReadJobLogAsync(job.Id);
            var secondLog = await client.ReadJobLogAsync(job.Id, 2);
            using var blob = new MemoryStream();
            await client.GetBlobAsync(done!.Files!.Single(), blob);

            Assert.Equal(JobStates.Succeeded, done.State);
            Assert.Equal([JobOutcomes.Failed, JobOutcomes.Succeeded], done.Attempts.Select(a => a.Outcome));
            Assert.Contains("first attempts always fail here", done.Attempts[0].Error, StringComparison.Ordinal);
            Assert.Equal("hello, Ada", done.Result!.Value.GetProperty("greeting").GetString());
            Assert.Contains("attempt 1: greeting Ada", log, StringComparison.Ordinal);
            Assert.Contains("attempt 2: greeting Ada", log, StringComparison.Ordinal);
            Assert.Equal("attempt 2: greeting Ada\n", secondLog);
            Assert.Equal($"jobs/{job.Id}/2/greeting.txt", done.Files!.Single());
            Assert.Equal("hello, Ada", Encoding.UTF8.GetString(blob.ToArray()));
        }
    }

    [Fact]
    public async Task HttpJobSource_ACancelledAttempt_IsFenced_AndItsWritesAreRefused()
    {
        using var client = new CairnClient(fixture.TcpEndpoint);
        var source = new HttpJobSource(client);
        var queue = Unique("fence");
        var type = Unique("app.fence");
        var job = (await client.EnqueueJobAsync(new EnqueueJobDto { Type = type, Queue = queue })).Job;
        var request = new JobClaimRequestDto { Worker = "test-worker", Node = "test-node", Queues = [queue], Types = [type] };

        var claim = await source.ClaimAsync(request, TimeSpan.FromSeconds(5));
        Assert.NotNull(claim);
        var fenced = source.WhenFencedAsync(claim);
        var beat = await source.HeartbeatAsync(claim);
        await source.AppendLogAsync(claim, "working\n");
        var running = await client.GetJobAsync(job.Id);
        var none = await source.ClaimAsync(request, TimeSpan.FromMilliseconds(200));
        Assert.False(fenced.IsCompleted);

        await client.CancelJobAsync(job.Id);
        await fenced.WaitAsync(Deadline);
        var beatAfter = await source.HeartbeatAsync(claim);
        var logAfter = await Assert.ThrowsAsync<ConflictException>(() => source.AppendLogAsync(claim, "too late\n"));
        var completeAfter = await Assert.ThrowsAsync<ConflictException>(() => source.CompleteAsync(claim, new JobCompletionDto { Outcome = JobOutcomes.Succeeded }));
        var final = await client.GetJobAsync(job.Id);

        Assert.Equal(job.Id, claim.JobId);
        Assert.Equal(1, claim.Attempt);
        Assert.True(claim.Token > 0);
        Assert.True(claim.LeaseTtl > TimeSpan.Zero);
        Assert.True(beat);
        Assert.Equal(JobStates.Processing, running!.State);
        Assert.Equal("test-worker", running.Attempts.Single().Worker);
        Assert.Equal(claim.Token, running.Attempts.Single().Token);
        Assert.Null(none);
        Assert.False(beatAfter);
        Assert.Contains("no longer current", completeAfter.Message, StringComparison.Ordinal);
        Assert.NotEmpty(logAfter.Message);
        Assert.Equal(JobStates.Cancelled, final!.State);
        Assert.Equal("working\n", await client.ReadJobLogAsync(job.Id, 1));
    }

    [Fact]
    public async Task HttpJobSource_ARunningJob_CannotBeDeleted_UntilItIsCancelled()
    {
        using var client = new CairnClient(fixture.UnixEndpoint);
        var source = new HttpJobSource(client);
        var queue = Unique("del");
        var type = Unique("app.del");
        var job = (await client.EnqueueJobAsync(new EnqueueJobDto { Type = type, Queue = queue })).Job;
        var claim = await source.ClaimAsync(new JobClaimRequestDto { Worker = "w", Node = "n", Queues = [queue], Types = [type] }, TimeSpan.FromSeconds(5));
        var fenced = source.WhenFencedAsync(claim!);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => client.DeleteJobAsync(job.Id));
        var stillRunning = await source.HeartbeatAsync(claim!);
        await client.CancelJobAsync(job.Id);
        await fenced.WaitAsync(Deadline);
        var deleted = await client.DeleteJobAsync(job.Id);

        Assert.Contains("cancel", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(stillRunning);
        Assert.True(deleted);
        Assert.False(await source.HeartbeatAsync(claim!));
        await Assert.ThrowsAsync<ConflictException>(() => source.CompleteAsync(claim!, new JobCompletionDto()));
    }

    [Fact]
    public void IsFenced_OnlyWhileTheSameAttemptIsProcessing_IsFalse()
    {
        var claim = new JobClaim(new JobDto { Id = 1 }, 2, 100, TimeSpan.FromSeconds(30));
        JobDto Job(string state, int number, long token) => new()
        {
            Id = 1,
            State = state,
            Attempts = [new JobAttemptDto { Number = 1, Token = 50 }, new JobAttemptDto { Number = number, Token = token }],
        };

        Assert.False(HttpJobSource.IsFenced(Job(JobStates.Processing, 2, 100), claim));
        Assert.False(HttpJobSource.IsFenced(Job(JobStates.Processing, 2, 0), claim));
        Assert.True(HttpJobSource.IsFenced(Job(JobStates.Processing, 3, 200), claim));
        Assert.True(HttpJobSource.IsFenced(Job(JobStates.Processing, 2, 101), claim));
        Assert.True(HttpJobSource.IsFenced(Job(JobStates.Cancelled, 2, 100), claim));
        Assert.True(HttpJobSource.IsFenced(Job(JobStates.Scheduled, 2, 100), claim));
    }
}
