using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// Following a job: its state and its log, in the order they were written, until it is final or deleted.
public sealed partial class JobStore
{
    /// <summary>The job as it is now, then each change of it and each log chunk as written, until the job is final (after
    /// its last chunk) or it is deleted. For SSE.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public async IAsyncEnumerable<JobEvent> FollowAsync(long id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var jobKey = JobKeys.Job(id);
        var logPrefix = JobKeys.Log(id);
        var (revision, results) = await SnapshotAsync([Read(jobKey), new RangeRequest(KeyRange.Prefix(logPrefix))], cancellationToken).ConfigureAwait(false);
        if (results[0].Kvs.Count == 0)
        {
            throw NoSuchJob(id);
        }

        var job = JobJson.DecodeJob(results[0].Kvs[0]);
        var lastJob = job.Revision;
        var lastLog = "";
        yield return new JobEvent(job, null);
        foreach (var kv in results[1].Kvs)
        {
            lastLog = kv.Key;
            yield return new JobEvent(null, JobJson.DecodeChunk(kv));
        }

        if (JobStates.IsFinal(job.State))
        {
            yield break;
        }

        // Two watches (the job's key; its log's prefix) merged. Their deliveries may interleave out of revision order,
        // so before a job change at revision R every chunk written before R is read (and before a chunk of a newer
        // attempt, the job that started it); what one way already gave, the other skips (keys and revisions only grow).
        var from = revision + 1;
        while (true)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var merged = Channel.CreateUnbounded<WatchResponse>();
            var pumps = new[]
            {
                PumpAsync(new WatchRequest(KeyRange.Single(jobKey)) { StartRevision = from }, merged.Writer, stop.Token),
                PumpAsync(new WatchRequest(KeyRange.Prefix(logPrefix)) { StartRevision = from }, merged.Writer, stop.Token),
            };
            _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
            var compacted = false;
            try
            {
                while (true)
                {
                    WatchResponse response;
                    try
                    {
                        if (!await merged.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new UnavailableException("The store ended a watch.");
                        }

                        response = await merged.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (CompactedException)
                    {
                        compacted = true;
                        break;
                    }

                    foreach (var change in response.Events)
                    {
                        if (change.Kv.Key == jobKey)
                        {
                            if (change.Kv.ModRevision <= lastJob)
                            {
                                continue;
                            }

                            // Every chunk before this change first.
                            var earlier = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(logPrefix)) { Revision = change.Kv.ModRevision - 1 }, cancellationToken).ConfigureAwait(false);
                            foreach (var kv in earlier.Kvs.Where(kv => string.CompareOrdinal(kv.Key, lastLog) > 0))
                            {
                                lastLog = kv.Key;
                                yield return new JobEvent(null, JobJson.DecodeChunk(kv));
                            }

                            lastJob = change.Kv.ModRevision;
                            if (change.Type == WatchEventType.Delete)
                            {
                                yield return new JobEvent(null, null, Deleted: true);
                                yield break;
                            }

                            job = JobJson.DecodeJob(change.Kv);
                            yield return new JobEvent(job, null);
                            if (JobStates.IsFinal(job.State))
                            {
                                yield break;
                            }
                        }
                        else if (change.Type == WatchEventType.Put && string.CompareOrdinal(change.Kv.Key, lastLog) > 0)
                        {
                            var chunk = JobJson.DecodeChunk(change.Kv);
                            if (chunk.Attempt > job.Attempts.Count)
                            {
                                // Written by an attempt whose claim this follower has not seen yet: the claim first.
                                var claimed = await _store.RangeAsync(new RangeRequest(KeyRange.Single(jobKey)) { Revision = change.Kv.ModRevision }, cancellationToken).ConfigureAwait(false);
                                if (claimed.Kvs.Count == 1 && claimed.Kvs[0].ModRevision > lastJob)
                                {
                                    lastJob = claimed.Kvs[0].ModRevision;
                                    job = JobJson.DecodeJob(claimed.Kvs[0]);
                                    yield return new JobEvent(job, null);
                                }
                            }

                            lastLog = change.Kv.Key;
                            yield return new JobEvent(null, chunk);
                        }
                    }
                }
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            if (!compacted)
            {
                yield break;
            }

            // History since the last event is gone: read the job and the rest of its log as they are now, go on from there.
            (revision, results) = await SnapshotAsync([Read(jobKey), new RangeRequest(KeyRange.Prefix(logPrefix))], cancellationToken).ConfigureAwait(false);
            foreach (var kv in results[1].Kvs.Where(kv => string.CompareOrdinal(kv.Key, lastLog) > 0))
            {
                lastLog = kv.Key;
                yield return new JobEvent(null, JobJson.DecodeChunk(kv));
            }

            if (results[0].Kvs.Count == 0)
            {
                yield return new JobEvent(null, null, Deleted: true);
                yield break;
            }

            if (results[0].Kvs[0].ModRevision > lastJob)
            {
                job = JobJson.DecodeJob(results[0].Kvs[0]);
                lastJob = job.Revision;
                yield return new JobEvent(job, null);
                if (JobStates.IsFinal(job.State))
                {
                    yield break;
                }
            }

            from = revision + 1;
        }
    }

    private async Task PumpAsync(WatchRequest request, ChannelWriter<WatchResponse> into, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
            {
                if (!response.IsProgressNotify)
                {
                    await into.WriteAsync(response, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped by the follower
        }
    }
}
