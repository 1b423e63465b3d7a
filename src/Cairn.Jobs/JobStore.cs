using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

/// <summary>
/// The job system's state on the keyspace (<see cref="JobKeys"/>): enqueue, read, list, cancel, retry, delete, and the
/// worker side (claim, heartbeat, log, complete) as an <see cref="IJobSource"/>, plus the maintenance every node may run at
/// any time (promote due jobs, recover lost claims, fold finished jobs away) — each change of a job one transaction,
/// safe when many nodes do the same at once.
/// </summary>
public sealed partial class JobStore : IJobSource
{
    private readonly IKeyspace _store;
    private readonly JobsOptions _options;
    private readonly ILogger _logger;

    public JobStore(IKeyspace store, JobsOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>The settings.</summary>
    public JobsOptions Options => _options;

    /// <summary>The keyspace.</summary>
    internal IKeyspace Keyspace => _store;

    /// <summary>Enqueues a job (scheduled when its run time is in the future). With an idempotency key that a live job
    /// already has, returns that job and <c>Created</c> false, writing nothing.</summary>
    /// <exception cref="InvalidArgumentException">A field is invalid; the message names it. Nothing was written.</exception>
    public Task<(JobDto Job, bool Created)> EnqueueAsync(EnqueueJobDto request, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The job, or null.</summary>
    public Task<JobDto?> GetAsync(long id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>One page of jobs in id order after <paramref name="after"/>, filtered by state, queue and type (each
    /// optional), at most <paramref name="limit"/> (1–1000).</summary>
    public Task<JobListDto> ListAsync(string? state, string? queue, string? type, long after, int limit, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>How many jobs are in each state (for the admin views).</summary>
    public Task<IReadOnlyDictionary<string, long>> CountAsync(CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Cancels a job that has not finished (a running attempt is fenced, and its worker stops it).</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ConflictException">It has finished.</exception>
    public Task<JobDto> CancelAsync(long id, string? reason = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Enqueues a finished job again (a new attempt; its attempt budget grows by one if it was spent).</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    /// <exception cref="ConflictException">It has not finished.</exception>
    public Task<JobDto> RetryAsync(long id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes a job that is not processing, with its log. False when there is no such job.</summary>
    /// <exception cref="ConflictException">It is processing (cancel it first).</exception>
    public Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The job's log: every attempt's chunks in order, or one attempt's.</summary>
    public Task<IReadOnlyList<JobLogChunkDto>> ReadLogAsync(long id, int? attempt = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The job as it is now, then each change of it and each log chunk as written, until the job is final (after
    /// its last chunk) or it is deleted. For SSE.</summary>
    public IAsyncEnumerable<JobEvent> FollowAsync(long id, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Scheduled jobs whose time has come → enqueued. Returns how many.</summary>
    public Task<int> PromoteDueAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Processing jobs whose claim expired → attempt <c>lost</c>, then retried with backoff (or failed). Returns how many.</summary>
    public Task<int> RecoverExpiredAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes finished jobs (and their logs, idempotency keys) older than <see cref="JobsOptions.Retention"/>.</summary>
    public Task<int> FoldAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>When the next scheduled job is due (null: none), so a loop can sleep until then.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>A new job id (from this node's block; a new block from <see cref="JobKeys.Ids"/> when it runs out).</summary>
    internal ValueTask<long> NextIdAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// The job an enqueue makes, and the transaction parts that create it: compares (the idempotency key absent, if any)
    /// and puts (job, index, idempotency key). The recurring scheduler adds these to its firing transaction.
    /// </summary>
    /// <exception cref="InvalidArgumentException">A field is invalid; the message names it.</exception>
    internal (JobDto Job, IReadOnlyList<Compare> Compares, IReadOnlyList<KvRequest> Puts) PrepareEnqueue(EnqueueJobDto request, long id, DateTimeOffset now) =>
        throw new NotImplementedException();
}

/// <summary>One event of <see cref="JobStore.FollowAsync"/>: the job changed (<see cref="Job"/>), or its log grew
/// (<see cref="Log"/>); <see cref="Deleted"/> when the job was deleted.</summary>
public sealed record JobEvent(JobDto? Job, JobLogChunkDto? Log, bool Deleted = false);
