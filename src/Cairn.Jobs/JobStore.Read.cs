using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// Reads: one job, pages of jobs (through the index of the state asked for, so listing one state reads only its jobs),
// counts, logs.
public sealed partial class JobStore
{
    private const int ReadBatch = 100;

    /// <summary>The job, or null.</summary>
    public async Task<JobDto?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        if (id <= 0)
        {
            return null;
        }

        var result = await _store.RangeAsync(Read(JobKeys.Job(id)), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? null : JobJson.DecodeJob(result.Kvs[0]);
    }

    /// <summary>One page of jobs in id order after <paramref name="after"/>, filtered by state, queue and type (each
    /// optional), at most <paramref name="limit"/> (1–1000).</summary>
    /// <exception cref="InvalidArgumentException">The limit or the state is invalid; the message names it.</exception>
    public async Task<JobListDto> ListAsync(string? state, string? queue, string? type, long after, int limit, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 1000)
        {
            throw new InvalidArgumentException($"limit must be between 1 and 1000, not {limit}. Field: limit.");
        }

        if (state is not null && !JobStates.All.Contains(state))
        {
            throw new InvalidArgumentException($"Unknown state '{state}' (one of {string.Join(", ", JobStates.All)}). Field: state.");
        }

        after = Math.Max(after, 0);
        bool Wanted(JobDto job) =>
            (state is null || job.State == state) && (queue is null || job.Queue == queue) && (type is null || job.Type == type);

        var page = new JobListDto();
        if (state is null)
        {
            // Every job: page through job/ itself.
            var from = JobKeys.Job(after + 1);
            var end = Keys.PrefixEnd(JobKeys.JobPrefix)!;
            while (true)
            {
                var result = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Limit = limit - page.Jobs.Count }, cancellationToken).ConfigureAwait(false);
                foreach (var kv in result.Kvs)
                {
                    var job = JobJson.DecodeJob(kv);
                    if (Wanted(job))
                    {
                        page.Jobs.Add(job);
                    }

                    from = JobKeys.Job(job.Id + 1);
                }

                if (!result.More)
                {
                    return page;
                }

                if (page.Jobs.Count == limit)
                {
                    page.Next = page.Jobs[^1].Id;
                    return page;
                }
            }
        }

        // One state: the ids from its index, ascending, then their jobs (re-checked: a job may move on in between).
        var ids = await IndexedIdsAsync(state, queue, type, after, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < ids.Count; i += ReadBatch)
        {
            var batch = ids.Skip(i).Take(ReadBatch).ToList();
            var (_, results) = await SnapshotAsync(batch.Select(id => (KvRequest)Read(JobKeys.Job(id))).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var result in results)
            {
                if (result.Kvs.Count == 1 && JobJson.DecodeJob(result.Kvs[0]) is var job && Wanted(job))
                {
                    page.Jobs.Add(job);
                    if (page.Jobs.Count == limit)
                    {
                        page.Next = job.Id < ids[^1] ? job.Id : null;
                        return page;
                    }
                }
            }
        }

        return page;
    }

    /// <summary>How many jobs are in each state (for the admin views).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountAsync(CancellationToken cancellationToken = default)
    {
        var (_, results) = await SnapshotAsync(
            [
                new RangeRequest(KeyRange.Prefix(JobKeys.ScheduledPrefix)) { CountOnly = true },
                new RangeRequest(KeyRange.Prefix(JobKeys.QueuePrefix)) { CountOnly = true },
                new RangeRequest(KeyRange.Prefix(JobKeys.RunningPrefix)) { CountOnly = true },
                new RangeRequest(KeyRange.Prefix(JobKeys.DonePrefix)),
            ], cancellationToken).ConfigureAwait(false);
        var counts = JobStates.All.ToDictionary(s => s, _ => 0L);
        counts[JobStates.Scheduled] = results[0].Count;
        counts[JobStates.Enqueued] = results[1].Count;
        counts[JobStates.Processing] = results[2].Count;
        foreach (var kv in results[3].Kvs)
        {
            var finished = JobJson.Text(kv);
            if (counts.TryGetValue(finished, out var count))
            {
                counts[finished] = count + 1;
            }
        }

        return counts;
    }

    /// <summary>The job's log: every attempt's chunks in order, or one attempt's.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public async Task<IReadOnlyList<JobLogChunkDto>> ReadLogAsync(long id, int? attempt = null, CancellationToken cancellationToken = default)
    {
        if (attempt is < 1 or > 9999)
        {
            throw new InvalidArgumentException($"attempt must be between 1 and 9999, not {attempt}. Field: attempt.");
        }

        var prefix = attempt is { } n ? JobKeys.Log(id, n) : JobKeys.Log(id);
        var (_, results) = await SnapshotAsync([Read(JobKeys.Job(id)), new RangeRequest(KeyRange.Prefix(prefix))], cancellationToken).ConfigureAwait(false);
        if (results[0].Kvs.Count == 0)
        {
            throw new NotFoundException($"There is no job {id}.");
        }

        return results[1].Kvs.Select(JobJson.DecodeChunk).ToList();
    }

    /// <summary>The ids of the jobs in <paramref name="state"/> above <paramref name="after"/>, ascending, from the
    /// state's index (filtered by queue and type where the index knows them).</summary>
    private async Task<List<long>> IndexedIdsAsync(string state, string? queue, string? type, long after, CancellationToken cancellationToken)
    {
        switch (state)
        {
            case JobStates.Enqueued:
                {
                    var range = queue is null ? KeyRange.Prefix(JobKeys.QueuePrefix) : KeyRange.Between(JobKeys.Queued(queue, after + 1), Keys.PrefixEnd(JobKeys.Queue(queue))!);
                    var result = await _store.RangeAsync(new RangeRequest(range), cancellationToken).ConfigureAwait(false);
                    return result.Kvs.Where(kv => type is null || JobJson.Text(kv) == type).Select(kv => JobJson.IdAtEnd(kv.Key))
                        .Where(id => id > after).Order().ToList();
                }

            case JobStates.Processing:
                {
                    var range = KeyRange.Between(JobKeys.Running(after + 1), Keys.PrefixEnd(JobKeys.RunningPrefix)!);
                    var result = await _store.RangeAsync(new RangeRequest(range) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
                    return result.Kvs.Select(kv => JobJson.IdAtEnd(kv.Key)).ToList();
                }

            case JobStates.Scheduled:
                {
                    var result = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.ScheduledPrefix)) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
                    return result.Kvs.Select(kv => JobJson.IdAtEnd(kv.Key)).Where(id => id > after).Order().ToList();
                }

            default:
                {
                    var result = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.DonePrefix)), cancellationToken).ConfigureAwait(false);
                    return result.Kvs.Where(kv => JobJson.Text(kv) == state).Select(kv => JobJson.IdAtEnd(kv.Key))
                        .Where(id => id > after).Order().ToList();
                }
        }
    }
}
