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

    private DateTimeOffset Now => _options.Time.GetUtcNow();

    private static RangeRequest Read(string key) => new(KeyRange.Single(key));

    /// <summary>Reads several ranges at one revision (a read-only transaction), so that a job and its index keys are
    /// seen as one consistent state.</summary>
    private async Task<(long Revision, IReadOnlyList<RangeResult> Results)> SnapshotAsync(IReadOnlyList<KvRequest> reads, CancellationToken cancellationToken)
    {
        var result = await _store.TxnAsync(new TxnRequest([], reads, []), cancellationToken).ConfigureAwait(false);
        return (result.Revision, result.Results.Cast<RangeResult>().ToList());
    }

    /// <summary>The job and its claim record (null when it has none) at one revision; null when there is no such job.</summary>
    private async Task<(KeyValue Kv, JobDto Job, KeyValue? Run)?> ReadJobAsync(long id, CancellationToken cancellationToken)
    {
        var (_, results) = await SnapshotAsync([Read(JobKeys.Job(id)), Read(JobKeys.Running(id))], cancellationToken).ConfigureAwait(false);
        if (results[0].Kvs.Count == 0)
        {
            return null;
        }

        var kv = results[0].Kvs[0];
        return (kv, JobJson.DecodeJob(kv), results[1].Kvs.Count == 0 ? null : results[1].Kvs[0]);
    }

    /// <summary>The key that indexes <paramref name="job"/> in its current state (null for processing: its claim record
    /// is kept apart, with the slot it holds).</summary>
    private static string? IndexKey(JobDto job) => job.State switch
    {
        JobStates.Enqueued => JobKeys.Queued(job.Queue, job.Id),
        JobStates.Scheduled when job.RunAt is { } at => JobKeys.Scheduled(at, job.Id),
        _ when JobStates.IsFinal(job.State) => JobKeys.Done(job.StateAt, job.Id),
        _ => null,
    };

    /// <summary>The put of the index key of <paramref name="job"/> in its new state.</summary>
    private static PutRequest IndexPut(JobDto job) => job.State switch
    {
        JobStates.Enqueued => new PutRequest(JobKeys.Queued(job.Queue, job.Id), JobJson.Utf8(job.Type)),
        JobStates.Scheduled => new PutRequest(JobKeys.Scheduled(job.RunAt!.Value, job.Id), JobJson.Utf8(job.Queue)),
        _ => new PutRequest(JobKeys.Done(job.StateAt, job.Id), JobJson.Utf8(job.State)),
    };
}

/// <summary>One event of <see cref="JobStore.FollowAsync"/>: the job changed (<see cref="Job"/>), or its log grew
/// (<see cref="Log"/>); <see cref="Deleted"/> when the job was deleted.</summary>
public sealed record JobEvent(JobDto? Job, JobLogChunkDto? Log, bool Deleted = false);
