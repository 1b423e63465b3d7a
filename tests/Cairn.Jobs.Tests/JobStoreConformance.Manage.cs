namespace Cairn.Jobs.Tests;

// What users do to jobs (retry, delete), what time does to them (fold), and following one.
public abstract partial class JobStoreConformance
{
    [Fact]
    public async Task Retry_OfAFailedJob_EnqueuesItWithOneMoreAttempt()
    {
        var request = Job();
        request.MaxAttempts = 1;
        var (job, _) = await Jobs.EnqueueAsync(request);
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.RetryAsync(job.Id));
        Assert.Equal(JobStates.Failed, (await Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token, Outcome = JobOutcomes.Failed, Error = "disk full" })).State);

        var retried = await Jobs.RetryAsync(job.Id);

        Assert.Equal(JobStates.Enqueued, retried.State);
        Assert.Equal("retried by a user", retried.Reason);
        Assert.Equal(2, retried.MaxAttempts);
        Assert.Equal(0, (await Jobs.CountAsync())[JobStates.Failed]);
        var again = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        Assert.Equal(2, again.Attempt);
        Assert.Equal(JobStates.Succeeded, (await Jobs.CompleteAsync(again, new JobCompletionDto { Token = again.Token })).State);
        await Assert.ThrowsAsync<NotFoundException>(() => Jobs.RetryAsync(job.Id + 99));
    }

    [Fact]
    public async Task Delete_RemovesTheJobItsIndexLogAndIdempotencyKey_ButNotWhileItRuns()
    {
        var request = Job();
        request.IdempotencyKey = "once";
        var (job, _) = await Jobs.EnqueueAsync(request);
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await Jobs.AppendLogAsync(claim, "line");
        await Assert.ThrowsAsync<ConflictException>(() => Jobs.DeleteAsync(job.Id));
        await Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token });
        var (delayed, _) = await Jobs.EnqueueAsync(new EnqueueJobDto { Type = "x", DelaySeconds = 60 });
        var (queued, _) = await Jobs.EnqueueAsync(Job());

        Assert.True(await Jobs.DeleteAsync(job.Id));
        Assert.True(await Jobs.DeleteAsync(delayed.Id));
        Assert.True(await Jobs.DeleteAsync(queued.Id));

        Assert.False(await Jobs.DeleteAsync(job.Id));
        Assert.Null(await Jobs.GetAsync(job.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => Jobs.ReadLogAsync(job.Id));
        Assert.Equal(1, await KeyCountAsync()); // only the id block is left
        Assert.True((await Jobs.EnqueueAsync(request)).Created);
    }

    [Fact]
    public async Task Fold_DeletesFinishedJobsOnlyAfterTheRetention()
    {
        var request = Job();
        request.IdempotencyKey = "fold-me";
        var (old, _) = await Jobs.EnqueueAsync(request);
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await Jobs.AppendLogAsync(claim, "line");
        await Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token });
        var (cancelled, _) = await Jobs.EnqueueAsync(Job());
        await Jobs.CancelAsync(cancelled.Id);
        Time.Advance(TimeSpan.FromHours(12));
        var (waiting, _) = await Jobs.EnqueueAsync(Job());
        var (recent, _) = await Jobs.EnqueueAsync(Job());
        await Jobs.CancelAsync(recent.Id);

        Assert.Equal(0, await Jobs.FoldAsync());
        Time.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await NewStore("node-2").FoldAsync());
        Assert.Equal(0, await Jobs.FoldAsync());

        Assert.Null(await Jobs.GetAsync(old.Id));
        Assert.Null(await Jobs.GetAsync(cancelled.Id));
        Assert.NotNull(await Jobs.GetAsync(waiting.Id));
        Assert.NotNull(await Jobs.GetAsync(recent.Id));
        Assert.Equal(0, await KeyCountAsync(JobKeys.Log(old.Id)));
        Assert.Equal(0, await KeyCountAsync(JobKeys.IdempotencyPrefix));
        Assert.Equal(1, await KeyCountAsync(JobKeys.DonePrefix));
    }

    [Fact]
    public async Task Follow_YieldsTheStateChangesAndLogChunksInOrder_ThenEnds()
    {
        var request = Job();
        request.MaxAttempts = 2;
        var (job, _) = await Jobs.EnqueueAsync(request);
        var events = new List<JobEvent>();
        var seen = 0;
        var following = Task.Run(async () =>
        {
            await foreach (var e in Jobs.FollowAsync(job.Id))
            {
                lock (events)
                {
                    events.Add(e);
                }

                Interlocked.Increment(ref seen);
            }
        });
        await Eventually.UntilAsync(() => Volatile.Read(ref seen) >= 1, Deadline, "the follower has the job");

        var worker = NewStore("node-2");
        var first = (await worker.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await worker.AppendLogAsync(first, "a1");
        await worker.AppendLogAsync(first, "a2");
        var retry = await worker.CompleteAsync(first, new JobCompletionDto { Token = first.Token, Outcome = JobOutcomes.Failed, Error = "x" });
        Time.Advance(retry.RunAt!.Value - Time.GetUtcNow());
        var second = (await worker.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await worker.AppendLogAsync(second, "b1");
        await worker.CompleteAsync(second, new JobCompletionDto { Token = second.Token });

        await following.WaitAsync(Deadline);
        var shown = events.Select(e => e.Job is { } j ? $"job:{j.State}" : e.Log is { } l ? $"log:{l.Attempt}:{l.Text}" : "deleted").ToList();
        Assert.Equal(
            [
                "job:enqueued", "job:processing", "log:1:a1", "log:1:a2", "job:scheduled", "job:enqueued", "job:processing", "log:2:b1",
                "job:succeeded",
            ], shown);
        var revisions = events.Where(e => e.Job is not null).Select(e => e.Job!.Revision).ToList();
        Assert.Equal(revisions.Order(), revisions);
    }

    [Fact]
    public async Task Follow_OfAFinishedJob_GivesItAndItsLog_AndOfADeletedOne_EndsWithDeleted()
    {
        var (job, _) = await Jobs.EnqueueAsync(Job());
        var claim = (await Jobs.ClaimAsync(Worker(), TimeSpan.Zero))!;
        await Jobs.AppendLogAsync(claim, "only line");
        await Jobs.CompleteAsync(claim, new JobCompletionDto { Token = claim.Token });

        var finished = await Jobs.FollowAsync(job.Id).ToListAsync();
        Assert.Equal(2, finished.Count);
        Assert.Equal(JobStates.Succeeded, finished[0].Job!.State);
        Assert.Equal("only line", finished[1].Log!.Text);

        var (waiting, _) = await Jobs.EnqueueAsync(Job());
        var events = new List<JobEvent>();
        var following = Task.Run(async () =>
        {
            await foreach (var e in Jobs.FollowAsync(waiting.Id))
            {
                lock (events)
                {
                    events.Add(e);
                }
            }
        });
        await Eventually.UntilAsync(() => { lock (events) { return events.Count >= 1; } }, Deadline, "the follower has the job");
        await Jobs.DeleteAsync(waiting.Id);
        await following.WaitAsync(Deadline);
        Assert.True(events[^1].Deleted);
        await Assert.ThrowsAsync<NotFoundException>(async () => await Jobs.FollowAsync(waiting.Id).ToListAsync());
    }
}
