using System.Text.Json;

namespace Cairn.Jobs.Tests;

// The worker side: claims, heartbeats, logs, completions, fencing, retries, concurrency limits.
public abstract partial class JobStoreConformance
{
    [Fact]
    public async Task Claim_Heartbeat_Log_Complete_IsTheHappyPath()
    {
        var (queued, _) = await Jobs.EnqueueAsync(Job(args: """{"to":"x"}"""));

        var claim = await Jobs.ClaimAsync(Worker(), TimeSpan.Zero);

        Assert.NotNull(claim);
        Assert.Equal(queued.Id, claim.JobId);
        Assert.Equal(1, claim.Attempt);
        Assert.Equal("x", claim.Args.GetProperty("to").GetString());
        Assert.Equal(JobStates.Processing, claim.Job.State);
        var attempt = Assert.Single(claim.Job.Attempts);
        Assert.Equal(claim.Token, attempt.Token);
        Assert.Equal("w1", attempt.Worker);
        var running = await Jobs.GetAsync(queued.Id);
        Assert.Equal(claim.Token, running!.Revision);
        Assert.Equal(claim.Token, running.Attempts[0].Token);
        Assert.Equal([queued.Id], (await Jobs.ListAsync(JobStates.Processing, null, null, 0, 10)).Jobs.Select(j => j.Id));
        Assert.Null(await Jobs.ClaimAsync(Worker("w2"), TimeSpan.Zero));

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await Jobs.HeartbeatAsync(claim));
        await Jobs.AppendLogAsync(claim, "hello ");
        await Jobs.AppendLogAsync(claim, "world\n");
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, await Jobs.RecoverExpiredAsync()); // the heartbeat extended the claim

        var done = await Jobs.CompleteAsync(claim, new JobCompletionDto
        {
            Token = claim.Token,
            Outcome = JobOutcomes.Succeeded,
            Result = JsonDocument.Parse("""{"sent":true}""").RootElement,
            Files = ["jobs/1/out.txt"],
        });

        Assert.Equal(JobStates.Succeeded, done.State);
        Assert.True(done.Result!.Value.GetProperty("sent").GetBoolean());
        var read = await Jobs.GetAsync(queued.Id);
        Assert.Equal(JobStates.Succeeded, read!.State);
        Assert.Equal(done.Revision, read.Revision);
        Assert.Equal(["jobs/1/out.txt"], read.Files!);
        Assert.Equal(JobOutcomes.Succeeded, read.Attempts[0].Outcome);
        Assert.Equal(T0 + TimeSpan.FromSeconds(40), read.Attempts[0].EndedAt);
        Assert.Equal(claim.Token, read.Attempts[0].Token);
        Assert.Equal(["hello ", "world\n"], (await Jobs.ReadLogAsync(queued.Id)).Select(c => c.Text));
        Assert.Equal([0L, 1L], (await Jobs.ReadLogAsync(queued.Id, 1)).Select(c => c.Seq));
        Assert.Equal(0, await KeyCountAsync(JobKeys.RunningPrefix));
        Assert.Equal(1, (await Jobs.CountAsync())[JobStates.Succeeded]);
        Assert.False(await Jobs.HeartbeatAsync(claim));
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token }));
    }

    [Fact]
    public async Task ClaimWithWait_WakesWhenAJobIsEnqueued()
    {
        var waiting = Jobs.ClaimAsync(Worker(), TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(() => true, Deadline, "the claim is waiting");
        Assert.False(waiting.IsCompleted);

        var (queued, _) = await NewStore("node-2").EnqueueAsync(Job());

        await Eventually.UntilAsync(() => waiting.IsCompleted, Deadline, "the waiting claim got the job");
        Assert.Equal(queued.Id, (await waiting)!.JobId);
    }

    [Fact]
    public async Task ClaimWithWait_EndsEmptyWhenTheWaitIsOver_OnTheStoresClock()
    {
        var waiting = Jobs.ClaimAsync(Worker("w1", "node-1", "send-mail"), TimeSpan.FromSeconds(30));
        await Jobs.EnqueueAsync(Job(type: "other")); // not a type this worker runs
        Assert.False(waiting.IsCompleted);

        await Eventually.UntilAsync(() =>
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            return waiting.IsCompleted;
        }, Deadline, "the wait ran out");
        Assert.Null(await waiting);
    }

    [Fact]
    public async Task DelayedJob_IsScheduled_AndClaimableOnlyOnceDue()
    {
        var (job, _) = await Jobs.EnqueueAsync(new EnqueueJobDto { Type = "send-mail", DelaySeconds = 90 });

        Assert.Equal(JobStates.Scheduled, job.State);
        Assert.Equal(T0 + TimeSpan.FromSeconds(90), job.RunAt);
        Assert.Equal(T0 + TimeSpan.FromSeconds(90), await Jobs.NextDueAsync());
        Assert.Null(await Jobs.ClaimAsync(Worker(), TimeSpan.Zero));
        Assert.Equal(0, await Jobs.PromoteDueAsync());

        Time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(1, await Jobs.PromoteDueAsync());
        Assert.Equal(JobStates.Enqueued, (await Jobs.GetAsync(job.Id))!.State);
        Assert.Null(await Jobs.NextDueAsync());
        Assert.Equal(job.Id, (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!.JobId);
    }

    [Fact]
    public async Task WaitingClaim_TakesADelayedJobWhenItIsDue()
    {
        var (job, _) = await Jobs.EnqueueAsync(new EnqueueJobDto { Type = "send-mail", DelaySeconds = 10 });
        var waiting = Jobs.ClaimAsync(Worker(), TimeSpan.FromMinutes(5));

        await Eventually.UntilAsync(() =>
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            return waiting.IsCompleted;
        }, Deadline, "the claim took the due job");
        Assert.Equal(job.Id, (await waiting)!.JobId);
    }

    [Fact]
    public async Task ExpiredClaim_IsRecovered_TheStaleAttemptIsRefused_AndTheRetrySucceedsOnce()
    {
        var (job, _) = await Jobs.EnqueueAsync(Job());
        var first = (await Jobs.ClaimAsync(Worker("w1"), TimeSpan.Zero))!;

        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await NewStore("node-2").RecoverExpiredAsync());
        Assert.Equal(0, await Jobs.RecoverExpiredAsync());

        var lost = (await Jobs.GetAsync(job.Id))!;
        Assert.Equal(JobStates.Scheduled, lost.State);
        Assert.Equal(JobOutcomes.Lost, lost.Attempts[0].Outcome);
        Assert.Contains("worker w1 on node-1 stopped heartbeating", lost.Attempts[0].Error);
        await Jobs.WhenFencedAsync(first).WaitAsync(Deadline);
        Assert.False(await Jobs.HeartbeatAsync(first));
        var stale = await Assert.ThrowsAsync<ConflictException>(() => Jobs.CompleteAsync(first, new JobCompletionDto { Token = first.Token }));
        Assert.Contains($"attempt 1 of job {job.Id} is no longer current", stale.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.AppendLogAsync(first, "too late"));

        Time.Advance(TimeSpan.FromMinutes(1));
        var second = (await Jobs.ClaimAsync(Worker("w2"), TimeSpan.Zero))!;
        Assert.Equal(2, second.Attempt);
        await Jobs.CompleteAsync(second, new JobCompletionDto { Token = second.Token });
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.CompleteAsync(first, new JobCompletionDto { Token = first.Token }));

        var final = (await Jobs.GetAsync(job.Id))!;
        Assert.Equal(JobStates.Succeeded, final.State);
        Assert.Equal([JobOutcomes.Lost, JobOutcomes.Succeeded], final.Attempts.Select(a => a.Outcome));
        Assert.Empty(await Jobs.ReadLogAsync(job.Id));
    }

    [Fact]
    public async Task LogWrite_AfterTheAttemptWasFenced_IsRefused_AndWritesNothing()
    {
        var (job, _) = await Jobs.EnqueueAsync(Job());
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await Jobs.AppendLogAsync(claim, "before");

        await Jobs.CancelAsync(job.Id);

        await Assert.ThrowsAsync<ConflictException>(() => Jobs.AppendLogAsync(claim, "after"));
        Assert.Equal(["before"], (await Jobs.ReadLogAsync(job.Id)).Select(c => c.Text));
    }

    [Fact]
    public async Task Cancel_OfAProcessingJob_FencesItsAttempt()
    {
        var (job, _) = await Jobs.EnqueueAsync(Job());
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        var fenced = Jobs.WhenFencedAsync(claim);
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await Jobs.HeartbeatAsync(claim));
        await Jobs.AppendLogAsync(claim, "working");
        Assert.False(fenced.IsCompleted);

        var cancelled = await NewStore("node-2").CancelAsync(job.Id);

        await fenced.WaitAsync(Deadline);
        Assert.Equal(JobStates.Cancelled, cancelled.State);
        Assert.Equal("cancelled by a user", cancelled.Reason);
        Assert.Equal(JobOutcomes.Cancelled, cancelled.Attempts[0].Outcome);
        Assert.Equal(0, await KeyCountAsync(JobKeys.RunningPrefix));
        Assert.False(await Jobs.HeartbeatAsync(claim));
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token }));
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.CancelAsync(job.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => Jobs.CancelAsync(job.Id + 99));
    }

    [Fact]
    public async Task FailedAttempts_RetryWithBackoff_UntilMaxAttempts_ThenFailed()
    {
        var request = Job();
        request.MaxAttempts = 4;
        var (job, _) = await Jobs.EnqueueAsync(request);

        for (var n = 1; n <= 4; n++)
        {
            var claim = await Jobs.ClaimAsync(Worker(), TimeSpan.Zero);
            Assert.NotNull(claim);
            Assert.Equal(n, claim.Attempt);
            var now = Time.GetUtcNow();
            var after = await Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token, Outcome = n == 2 ? JobOutcomes.TimedOut : JobOutcomes.Failed, Error = $"boom {n}", ExitCode = 1 });
            if (n < 4)
            {
                Assert.Equal(JobStates.Scheduled, after.State);
                var backoff = TimeSpan.FromSeconds(10 * Math.Pow(2, n - 1));
                Assert.InRange(after.RunAt!.Value, now + (backoff * 0.75), now + (backoff * 1.25));
                Assert.StartsWith($"retry {n + 1} of 4 at ", after.Reason);
                Assert.EndsWith($"boom {n}", after.Reason);
                Assert.Null(await Jobs.ClaimAsync(Worker(), TimeSpan.Zero));
                Time.Advance(after.RunAt.Value - now);
            }
            else
            {
                Assert.Equal(JobStates.Failed, after.State);
                Assert.Equal("failed after 4 attempts: boom 4", after.Reason);
            }
        }

        var final = (await Jobs.GetAsync(job.Id))!;
        Assert.Equal(JobStates.Failed, final.State);
        Assert.Equal([1, 2, 3, 4], final.Attempts.Select(a => a.Number));
        Assert.Equal([JobOutcomes.Failed, JobOutcomes.TimedOut, JobOutcomes.Failed, JobOutcomes.Failed], final.Attempts.Select(a => a.Outcome));
        Assert.All(final.Attempts, a => Assert.Equal(1, a.ExitCode));
        Assert.Equal(4, final.Attempts.Select(a => a.Token).Distinct().Count());
        Assert.Equal([job.Id], (await Jobs.ListAsync(JobStates.Failed, null, null, 0, 10)).Jobs.Select(j => j.Id));
        Assert.Null(await Jobs.ClaimAsync(Worker(), TimeSpan.Zero));
    }

    [Fact]
    public async Task ConcurrencyLimit_IsNeverExceeded_ByConcurrentWorkers()
    {
        const int Limit = 3;
        const int Count = 50;
        for (var i = 0; i < Count; i++)
        {
            var request = Job(type: "render", args: $$"""{"n":{{i}}}""");
            request.MaxConcurrency = Limit;
            await Jobs.EnqueueAsync(request);
        }

        var stores = new[] { Jobs, NewStore("node-2") };
        var running = 0;
        var most = 0;
        var done = 0;
        var gate = new object();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = stores[w % 2];
            while (Volatile.Read(ref done) < Count)
            {
                var claim = await store.ClaimAsync(Worker($"w{w}", $"node-{(w % 2) + 1}", "render"), TimeSpan.Zero);
                if (claim is null)
                {
                    await Task.Yield();
                    continue;
                }

                lock (gate)
                {
                    running++;
                    most = Math.Max(most, running);
                }

                var inStore = await KeyCountAsync(JobKeys.RunningPrefix);
                Assert.InRange(inStore, 1, Limit);
                lock (gate)
                {
                    running--;
                }

                await store.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token });
                Interlocked.Increment(ref done);
            }
        }))).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.InRange(most, 1, Limit);
        Assert.Equal(Count, (await Jobs.CountAsync())[JobStates.Succeeded]);
        Assert.Equal(0, await KeyCountAsync(JobKeys.SlotPrefix));
    }

    [Fact]
    public async Task ClaimSkips_OtherTypes_AndJobsPinnedToAnotherNode()
    {
        var pinned = new EnqueueJobDto { Type = "script:a.sh", Node = "node-2" };
        var (forNode2, _) = await Jobs.EnqueueAsync(pinned);
        var (handler, _) = await Jobs.EnqueueAsync(Job("resize"));
        var (script, _) = await Jobs.EnqueueAsync(Job("script:b.sh", queue: "low"));

        Assert.Null(await Jobs.ClaimAsync(Worker("w1", "node-1", "script:*"), TimeSpan.Zero));
        var low = await Jobs.ClaimAsync(new JobClaimRequestDto { Worker = "w1", Node = "node-1", Queues = ["default", "low"], Types = ["script:*"] }, TimeSpan.Zero);
        Assert.Equal(script.Id, low!.JobId);
        Assert.Equal(forNode2.Id, (await Jobs.ClaimAsync(Worker("w2", "node-2", "script:*"), TimeSpan.Zero))!.JobId);
        Assert.Equal(handler.Id, (await Jobs.ClaimAsync(Worker("w3", "node-1", "resize"), TimeSpan.Zero))!.JobId);
    }

    [Fact]
    public async Task Log_IsCutAtTheLimit_WithANote()
    {
        var store = NewStore(configure: o => o.MaxLogBytes = 10);
        var (job, _) = await store.EnqueueAsync(Job());
        var claim = (await store.ClaimAsync(Worker(), TimeSpan.Zero))!;

        await store.AppendLogAsync(claim, "12345");
        await store.AppendLogAsync(claim, "6789abcdef");
        await store.AppendLogAsync(claim, "more");

        Assert.Equal(["12345", "6789a", "[log cut at 10 bytes]"], (await store.ReadLogAsync(job.Id)).Select(c => c.Text));
    }

    [Fact]
    public async Task Claim_FindsItsTypeBehindAQueueHeadOfOtherTypes()
    {
        for (var i = 0; i < 70; i++)
        {
            await Jobs.EnqueueAsync(Job("other"));
        }

        var (mine, _) = await Jobs.EnqueueAsync(Job("mine"));

        Assert.Equal(mine.Id, (await Jobs.ClaimAsync(Worker("w1", "node-1", "mine"), TimeSpan.Zero))!.JobId);
        Assert.Null(await Jobs.ClaimAsync(Worker("w1", "node-1", "mine"), TimeSpan.Zero));
    }
}
