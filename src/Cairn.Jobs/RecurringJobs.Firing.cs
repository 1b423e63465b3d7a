using System.Runtime.ExceptionServices;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

public sealed partial class RecurringJobs
{
    /// <summary>What one pass over the definitions did: the jobs it made, the earliest next occurrence of any definition
    /// (null: none scheduled), and the first failure (a definition it could not fire, left due).</summary>
    internal readonly record struct FirePass(int Jobs, DateTimeOffset? Earliest, Exception? Failure);

    /// <summary>Fires every due definition; a definition that fails is logged and the others still fired.</summary>
    internal async Task<FirePass> FirePassAsync(CancellationToken cancellationToken)
    {
        var (_, definitions) = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var jobs = 0;
        DateTimeOffset? earliest = null;
        Exception? failure = null;
        foreach (var (read, kv) in definitions)
        {
            var definition = read;
            try
            {
                (var made, definition) = await FireAsync(read, kv.ModRevision, cancellationToken).ConfigureAwait(false);
                jobs += made;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFireFailed(e, read.Name);
                failure ??= e;
            }

            if (definition?.NextAt is { } next && (earliest is null || next < earliest))
            {
                earliest = next;
            }
        }

        return new FirePass(jobs, earliest, failure);
    }

    /// <summary>One pass of <see cref="FireDueAsync"/>, throwing the first failure after trying every definition.</summary>
    private async Task<int> FireDueOrThrowAsync(CancellationToken cancellationToken)
    {
        var pass = await FirePassAsync(cancellationToken).ConfigureAwait(false);
        if (pass.Failure is not null)
        {
            ExceptionDispatchInfo.Throw(pass.Failure);
        }

        return pass.Jobs;
    }

    /// <summary>
    /// Fires a definition's due occurrences, one transaction per (at most) <see cref="MaxOccurrencesPerTxn"/> of them,
    /// each conditional on the definition being unchanged since read and on each occurrence's marker being absent; a
    /// failed condition means another node fired it (or it was changed): read it again and carry on from there.
    /// </summary>
    /// <returns>The jobs made, and the definition as it is now (null when it was deleted).</returns>
    private async Task<(int Jobs, RecurringJobDto? Definition)> FireAsync(RecurringJobDto definition, long modRevision, CancellationToken cancellationToken)
    {
        var name = definition.Name;
        var key = JobKeys.Recurring(name);
        var jobs = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = Options.Time.GetUtcNow();
            if (definition.NextAt is not { } first || first > now)
            {
                return (jobs, definition);
            }

            var plan = Plan(definition, first, now);
            var handle = plan.Take(MaxOccurrencesPerTxn).ToList();
            var nextAt = plan.Count > MaxOccurrencesPerTxn ? plan[MaxOccurrencesPerTxn] : JobSchedule.NextOccurrence(definition, now);

            // Occurrences with a marker were fired before (the definition has since moved back): never again.
            var fired = new HashSet<string>(StringComparer.Ordinal);
            if (handle.Count > 0)
            {
                var markers = await Store.RangeAsync(
                    new RangeRequest(KeyRange.Between(JobKeys.Fired(name, handle[0]), JobKeys.Fired(name, handle[^1].AddMilliseconds(1)))) { KeysOnly = true },
                    cancellationToken).ConfigureAwait(false);
                fired.UnionWith(markers.Kvs.Select(m => m.Key));
            }

            var noOverlap = definition.NoOverlap ?? true;
            var busy = noOverlap && handle.Count > 0 && await IsUnfinishedAsync(definition.LastJob, cancellationToken).ConfigureAwait(false);
            var compares = new List<Compare> { Compare.ModRevision(key, CompareResult.Equal, modRevision) };
            var ops = new List<KvRequest>();
            var made = new List<JobDto>();
            foreach (var occurrence in handle)
            {
                var marker = JobKeys.Fired(name, occurrence);
                if (fired.Contains(marker))
                {
                    continue;
                }

                compares.Add(Compare.CreateRevision(marker, CompareResult.Equal, 0));
                if (busy)
                {
                    ops.Add(new PutRequest(marker, SkippedMarker));
                    continue;
                }

                var id = await _jobs.NextIdAsync(cancellationToken).ConfigureAwait(false);
                var (job, jobCompares, jobPuts) = PrepareJob(definition, id, occurrence, now);
                compares.AddRange(jobCompares);
                ops.AddRange(jobPuts);
                ops.Add(new PutRequest(marker, System.Text.Encoding.UTF8.GetBytes(MarkerValue(id))));
                made.Add(job);
                busy = noOverlap;
            }

            var updated = JobSchedule.Copy(definition);
            updated.NextAt = nextAt;
            updated.LastOccurrence = handle.Count > 0 ? handle[^1] : definition.LastOccurrence;
            updated.LastJob = made.Count > 0 ? made[^1].Id : definition.LastJob;
            updated.Fired = definition.Fired + made.Count;
            updated.Revision = 0;
            ops.Add(new PutRequest(key, Serialize(updated)));
            var txn = await Store.TxnAsync(new TxnRequest(compares, ops, []), cancellationToken).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                jobs += made.Count;
                updated.Revision = modRevision = txn.Revision;
                definition = updated;
                foreach (var job in made)
                {
                    LogFired(name, job.Occurrence, job.Id);
                }

                continue;
            }

            var (reread, kv) = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
            if (reread is null)
            {
                return (jobs, null);
            }

            definition = reread;
            modRevision = kv!.ModRevision;
        }
    }

    /// <summary>
    /// The occurrences to handle now, oldest first, for a definition due since <paramref name="first"/>: the missed ones
    /// (more than <see cref="JobsOptions.MisfireGrace"/> late) its misfire policy keeps, then the on-time ones. Only the
    /// first <see cref="MaxOccurrencesPerTxn"/> + 1 matter to a firing (the one past them is where the next firing
    /// starts), so no more on-time ones are computed.
    /// </summary>
    private List<DateTimeOffset> Plan(RecurringJobDto definition, DateTimeOffset first, DateTimeOffset now)
    {
        var cutoff = now - Options.MisfireGrace;
        var beforeFirst = first.AddTicks(-1);
        var plan = new List<DateTimeOffset>();
        if (first < cutoff)
        {
            // Missed: strictly before the cutoff.
            var lastMissed = cutoff.AddTicks(-1);
            plan.AddRange((definition.Misfire ?? MisfireOnce) switch
            {
                MisfireSkip => [],
                MisfireAll => JobSchedule.LatestOccurrences(definition, beforeFirst, lastMissed, Math.Max(0, Options.MaxMisfires)),
                _ => JobSchedule.LatestOccurrences(definition, beforeFirst, lastMissed, 1),
            });
            beforeFirst = lastMissed;
        }

        plan.AddRange(JobSchedule.Occurrences(definition, beforeFirst, now, MaxOccurrencesPerTxn + 1));
        return plan;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fire recurring job {Name}; it stays due and is tried again")]
    private partial void LogFireFailed(Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {Name} fired occurrence {Occurrence:O} as job {Job}")]
    private partial void LogFired(string name, DateTimeOffset? occurrence, long job);

    /// <summary>Whether the job exists and has not finished (a deleted job has).</summary>
    private async Task<bool> IsUnfinishedAsync(long? id, CancellationToken cancellationToken) =>
        id is { } last && await _jobs.GetAsync(last, cancellationToken).ConfigureAwait(false) is { } job && !JobStates.IsFinal(job.State);
}
