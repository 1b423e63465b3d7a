using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// What a user does to a job: cancel, retry, delete — each one transaction that compares the job's mod revision (and
// reads again when something else changed the job first).
public sealed partial class JobStore
{
    /// <summary>Cancels a job that has not finished (a running attempt is fenced, and its worker stops it).</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ConflictException">It has finished.</exception>
    public async Task<JobDto> CancelAsync(long id, string? reason = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (kv, job, run) = await ReadJobAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NoSuchJob(id);
            if (JobStates.IsFinal(job.State))
            {
                throw new ConflictException($"Job {id} has already finished ({job.State}); there is nothing to cancel.");
            }

            var now = Now;
            var ops = new List<KvRequest>();
            if (IndexKey(job) is { } index)
            {
                ops.Add(new DeleteRequest(KeyRange.Single(index)));
            }

            if (job.State == JobStates.Processing && job.Attempts.Count > 0)
            {
                var attempt = job.Attempts[^1];
                attempt.Outcome = JobOutcomes.Cancelled;
                attempt.EndedAt = now;
                attempt.Error = "cancelled while it ran";
                ops.AddRange(ReleaseClaim(id, run));
            }

            job.State = JobStates.Cancelled;
            job.StateAt = now;
            job.RunAt = null;
            job.Reason = Line(reason) ?? "cancelled by a user";
            if (await TryMoveAsync(kv, job, ops, cancellationToken).ConfigureAwait(false) is { } cancelled)
            {
                return cancelled;
            }
        }
    }

    /// <summary>Enqueues a finished job again (a new attempt; its attempt budget grows by one if it was spent).</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ConflictException">It has not finished.</exception>
    public async Task<JobDto> RetryAsync(long id, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (kv, job, _) = await ReadJobAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NoSuchJob(id);
            if (!JobStates.IsFinal(job.State))
            {
                throw new ConflictException($"Job {id} has not finished ({job.State}); only a finished job can be retried.");
            }

            var ops = new List<KvRequest> { new DeleteRequest(KeyRange.Single(IndexKey(job)!)) };
            if (job.Attempts.Count >= job.MaxAttempts)
            {
                job.MaxAttempts = job.Attempts.Count + 1;
            }

            job.State = JobStates.Enqueued;
            job.StateAt = Now;
            job.RunAt = null;
            job.Reason = "retried by a user";
            if (await TryMoveAsync(kv, job, ops, cancellationToken).ConfigureAwait(false) is { } retried)
            {
                return retried;
            }
        }
    }

    /// <summary>Deletes a job that is not processing, with its log. False when there is no such job.</summary>
    /// <exception cref="ConflictException">It is processing (cancel it first).</exception>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (await ReadJobAsync(id, cancellationToken).ConfigureAwait(false) is not var (kv, job, _))
            {
                return false;
            }

            if (job.State == JobStates.Processing)
            {
                throw new ConflictException($"Job {id} is running; cancel it first, then delete it.");
            }

            var ops = new List<KvRequest>
            {
                new DeleteRequest(KeyRange.Single(kv.Key)),
                new DeleteRequest(KeyRange.Prefix(JobKeys.Log(id))),
            };
            if (IndexKey(job) is { } index)
            {
                ops.Add(new DeleteRequest(KeyRange.Single(index)));
            }

            if (job.IdempotencyKey is { } key)
            {
                ops.Add(new DeleteRequest(KeyRange.Single(JobKeys.Idempotency(key))));
            }

            var result = await _store.TxnAsync(new TxnRequest([Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision)], ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return true;
            }
        }
    }

    private static NotFoundException NoSuchJob(long id) => new($"There is no job {id}.");

    // Writes the job in its new state, with its state's index key and the other ops, if the job is unchanged since kv
    // was read; null when it changed meanwhile (the caller reads it again and decides anew).
    private async Task<JobDto?> TryMoveAsync(KeyValue kv, JobDto job, List<KvRequest> ops, CancellationToken cancellationToken)
    {
        ops.Add(new PutRequest(kv.Key, JobJson.Encode(job)));
        ops.Add(IndexPut(job));
        var result = await _store.TxnAsync(new TxnRequest([Compare.ModRevision(kv.Key, CompareResult.Equal, kv.ModRevision)], ops, []), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }

        job.Revision = result.Revision;
        return job;
    }
}
