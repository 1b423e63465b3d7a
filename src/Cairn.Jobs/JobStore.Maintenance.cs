using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

// Maintenance any node may run at any time, and many at once: each job moves in its own transaction that compares the
// job's mod revision, so two nodes doing the same work change each job once.
public sealed partial class JobStore
{
    private const int MaintenanceBatch = 128;

    /// <summary>Scheduled jobs whose time has come → enqueued. Returns how many.</summary>
    public async Task<int> PromoteDueAsync(CancellationToken cancellationToken = default)
    {
        var total = 0;
        while (true)
        {
            var (promoted, more) = await PromoteBatchAsync(MaintenanceBatch, cancellationToken).ConfigureAwait(false);
            total += promoted;
            if (!more)
            {
                return total;
            }
        }
    }

    /// <summary>Processing jobs whose claim expired → attempt <c>lost</c>, then retried with backoff (or failed). Returns how many.</summary>
    public async Task<int> RecoverExpiredAsync(CancellationToken cancellationToken = default)
    {
        var runs = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.RunningPrefix)), cancellationToken).ConfigureAwait(false);
        var recovered = 0;
        foreach (var run in runs.Kvs)
        {
            var record = JobJson.DecodeClaim(run);
            var now = Now;
            if (record.ExpiresAt >= now)
            {
                continue;
            }

            var id = JobJson.IdAtEnd(run.Key);
            var read = await ReadJobAsync(id, cancellationToken).ConfigureAwait(false);
            if (read is not { } current || current.Kv.ModRevision != record.Token || current.Job.State != JobStates.Processing)
            {
                continue; // it ended (or was recovered) since the read
            }

            var error = $"worker {record.Worker} on {record.Node} stopped heartbeating (claim expired at {JobJson.Show(record.ExpiresAt)})";
            var ops = Finish(current.Job, run, JobOutcomes.Lost, error, now);
            var result = await _store.TxnAsync(new TxnRequest(
                [
                    Compare.ModRevision(JobKeys.Job(id), CompareResult.Equal, record.Token),
                    Compare.ModRevision(run.Key, CompareResult.Equal, run.ModRevision), // a heartbeat since wins
                ], ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                recovered++;
                _logger.LogWarning("Job {Id}: attempt {Attempt} lost ({Error}); now {State}.", id, record.Attempt, error, current.Job.State);
            }
        }

        return recovered;
    }

    /// <summary>Deletes finished jobs (and their logs, idempotency keys) older than <see cref="JobsOptions.Retention"/>.</summary>
    public async Task<int> FoldAsync(CancellationToken cancellationToken = default)
    {
        var before = JobKeys.DonePrefix + JobKeys.Time(Now - _options.Retention);
        var folded = 0;
        while (true)
        {
            var done = await _store.RangeAsync(new RangeRequest(KeyRange.Between(JobKeys.DonePrefix, before)) { Limit = MaintenanceBatch }, cancellationToken).ConfigureAwait(false);
            var progress = false;
            foreach (var kv in done.Kvs)
            {
                var id = JobJson.IdAtEnd(kv.Key);
                var job = await _store.RangeAsync(Read(JobKeys.Job(id)), cancellationToken).ConfigureAwait(false);
                var ops = new List<KvRequest> { new DeleteRequest(KeyRange.Single(kv.Key)), new DeleteRequest(KeyRange.Prefix(JobKeys.Log(id))) };
                var compares = new List<Compare> { Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision) };
                if (job.Kvs.Count == 1)
                {
                    var found = JobJson.DecodeJob(job.Kvs[0]);
                    compares.Add(Compare.ModRevision(JobKeys.Job(id), CompareResult.Equal, job.Kvs[0].ModRevision));
                    ops.Add(new DeleteRequest(KeyRange.Single(JobKeys.Job(id))));
                    if (found.IdempotencyKey is { } key)
                    {
                        ops.Add(new DeleteRequest(KeyRange.Single(JobKeys.Idempotency(key))));
                    }
                }

                var result = await _store.TxnAsync(new TxnRequest(compares, ops, []), cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    folded++;
                    progress = true;
                }
            }

            if (!done.More || !progress)
            {
                return folded;
            }
        }
    }

    /// <summary>When the next scheduled job is due (null: none), so a loop can sleep until then.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        var first = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.ScheduledPrefix)) { Limit = 1, KeysOnly = true }, cancellationToken).ConfigureAwait(false);
        return first.Kvs.Count == 0 ? null : JobJson.TimeOf(first.Kvs[0].Key, JobKeys.ScheduledPrefix);
    }

    /// <summary>Promotes up to <paramref name="limit"/> due jobs (a claim does this much before it looks at its queues,
    /// so that due jobs run without a maintenance loop).</summary>
    private async Task<int> PromoteAsync(int limit, CancellationToken cancellationToken) =>
        (await PromoteBatchAsync(limit, cancellationToken).ConfigureAwait(false)).Promoted;

    private async Task<(int Promoted, bool More)> PromoteBatchAsync(int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var until = JobKeys.ScheduledPrefix + JobKeys.Time(now.AddMilliseconds(1));
        var due = await _store.RangeAsync(new RangeRequest(KeyRange.Between(JobKeys.ScheduledPrefix, until)) { Limit = limit }, cancellationToken).ConfigureAwait(false);
        var promoted = 0;
        foreach (var kv in due.Kvs)
        {
            var id = JobJson.IdAtEnd(kv.Key);
            var jobKv = (await _store.RangeAsync(Read(JobKeys.Job(id)), cancellationToken).ConfigureAwait(false)).Kvs;
            var job = jobKv.Count == 0 ? null : JobJson.DecodeJob(jobKv[0]);
            TxnRequest txn;
            if (job is null || job.State != JobStates.Scheduled || job.RunAt is not { } runAt || JobKeys.Scheduled(runAt, id) != kv.Key)
            {
                // An index key without its job (only a foreign write makes one): drop it, or it would be read forever.
                txn = new TxnRequest([Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision)], [new DeleteRequest(KeyRange.Single(kv.Key))], []);
            }
            else
            {
                job.State = JobStates.Enqueued;
                job.StateAt = now;
                job.RunAt = null;
                job.Reason = job.Attempts.Count == 0
                    ? $"waiting for a worker (due at {JobJson.Show(runAt)})"
                    : $"waiting for a worker to run attempt {job.Attempts.Count + 1} of {job.MaxAttempts}";
                txn = new TxnRequest(
                    [Compare.ModRevision(JobKeys.Job(id), CompareResult.Equal, jobKv[0].ModRevision)],
                    [new DeleteRequest(KeyRange.Single(kv.Key)), new PutRequest(JobKeys.Job(id), JobJson.Encode(job)), IndexPut(job)], []);
            }

            var result = await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded && job is not null)
            {
                promoted++;
            }
        }

        return (promoted, due.More);
    }
}
