using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

/// <summary>
/// Recurring jobs: definitions under <c>rec/&lt;name&gt;</c>, each fired exactly once per occurrence however many nodes
/// run <see cref="RunAsync"/>: a firing is one transaction that creates the occurrence's <c>fired/&lt;name&gt;/&lt;time&gt;</c>
/// marker (absent before), advances the definition (unchanged since read) and enqueues the job.
/// </summary>
/// <remarks>
/// <para>Every node may fire every definition at any time; two nodes that read the same due definition race with
/// transactions that both compare the definition's mod revision, so one wins and the other re-reads it (and finds the
/// occurrence fired and the definition advanced). The markers make the same guarantee per occurrence even against a
/// definition that moved back (replaced by a node whose clock is behind): an occurrence with a marker is never fired
/// again.</para>
/// <para>After downtime (occurrences more than <see cref="JobsOptions.MisfireGrace"/> late are missed) the definition's
/// <see cref="RecurringJobDto.Misfire"/> policy applies: <c>once</c> makes one job for the latest missed occurrence,
/// <c>skip</c> none, <c>all</c> one per missed occurrence, at most <see cref="JobsOptions.MaxMisfires"/> of them — the
/// latest ones, oldest first. (Keeping the latest rather than the oldest is what keeps the bound exact when a long
/// catch-up is split over several transactions, or finished by another node: what is left is always within it.)
/// Occurrences a policy drops get no marker.</para>
/// <para><see cref="RecurringJobDto.NoOverlap"/> (the default) skips an occurrence while the job of the previous firing
/// has not finished; the skipped occurrence gets a marker with the value 0. It also holds within one catch-up: with
/// <c>all</c>, only the first missed occurrence runs until its job finishes, so set <c>noOverlap</c> to false to catch
/// up on every missed occurrence.</para>
/// </remarks>
public sealed partial class RecurringJobs
{
    /// <summary>Occurrences one firing transaction handles at most (each is up to a marker, a job and its index key),
    /// well inside the backends' 128 operations per transaction; a longer catch-up takes several.</summary>
    internal const int MaxOccurrencesPerTxn = 16;

    private const string MisfireOnce = "once";
    private const string MisfireSkip = "skip";
    private const string MisfireAll = "all";

    private static readonly byte[] SkippedMarker = "0"u8.ToArray();

    private readonly JobStore _jobs;
    private readonly ILogger _logger;

    public RecurringJobs(JobStore jobs, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        _jobs = jobs;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    private IKeyspace Store => _jobs.Keyspace;

    private JobsOptions Options => _jobs.Options;

    /// <summary>Creates or replaces a recurring job; its next occurrence is computed from now. Created is true for a new one.</summary>
    /// <remarks>The read-only fields of <paramref name="spec"/> are ignored. A replaced job keeps its history
    /// (<see cref="RecurringJobDto.CreatedAt"/>, <see cref="RecurringJobDto.Fired"/>, the last occurrence and job) and,
    /// when its interval is unchanged, its interval's anchor, so re-sending the same definition does not shift its
    /// runs. Occurrences due but not yet fired when it is replaced are not fired.</remarks>
    /// <exception cref="InvalidArgumentException">A field is invalid (bad cron, unknown time zone, bad interval…); the message names it.</exception>
    public async Task<(RecurringJobDto Recurring, bool Created)> UpsertAsync(RecurringJobDto spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckName(spec.Name);
        var definition = JobSchedule.Validate(spec);
        definition.Misfire ??= MisfireOnce;
        if (definition.Misfire is not (MisfireOnce or MisfireSkip or MisfireAll))
        {
            throw new InvalidArgumentException($"'misfire' must be once, skip or all; got '{definition.Misfire}'.");
        }

        definition.NoOverlap ??= true;
        var now = Options.Time.GetUtcNow();

        // The job fields are checked by the enqueue itself, so that a recurring job's rules are exactly a job's.
        _ = _jobs.PrepareEnqueue(ToEnqueue(definition), 1, now);

        var key = JobKeys.Recurring(definition.Name);
        while (true)
        {
            var (existing, kv) = await ReadAsync(definition.Name, cancellationToken).ConfigureAwait(false);
            if (definition.Interval is { } interval)
            {
                interval.Anchor = JobSchedule.SameInterval(existing?.Interval, interval) && existing!.Interval!.Anchor is { } kept
                    ? kept
                    : new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            }

            definition.CreatedAt = existing?.CreatedAt ?? now;
            definition.Fired = existing?.Fired ?? 0;
            definition.LastOccurrence = existing?.LastOccurrence;
            definition.LastJob = existing?.LastJob;
            definition.NextAt = JobSchedule.NextOccurrence(definition, now);
            definition.Revision = 0;
            var txn = await Store.TxnAsync(
                new TxnRequest(
                    [Compare.ModRevision(key, CompareResult.Equal, kv?.ModRevision ?? 0)],
                    [new PutRequest(key, Serialize(definition))],
                    []),
                cancellationToken).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                definition.Revision = txn.Revision;
                return (definition, existing is null);
            }
        }
    }

    /// <summary>The recurring job, or null.</summary>
    /// <exception cref="InvalidArgumentException">The name is not a valid name.</exception>
    public async Task<RecurringJobDto?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        return (await ReadAsync(name, cancellationToken).ConfigureAwait(false)).Definition;
    }

    /// <summary>Every recurring job, by name.</summary>
    public async Task<IReadOnlyList<RecurringJobDto>> ListAsync(CancellationToken cancellationToken = default) =>
        (await ReadAllAsync(cancellationToken).ConfigureAwait(false)).Definitions.Select(d => d.Definition).ToList();

    /// <summary>Deletes it and its record of fired occurrences (jobs it already made stay). False when there is none.</summary>
    /// <exception cref="InvalidArgumentException">The name is not a valid name.</exception>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        var key = JobKeys.Recurring(name);
        var txn = await Store.TxnAsync(
            new TxnRequest(
                [Compare.CreateRevision(key, CompareResult.Greater, 0)],
                [new DeleteRequest(KeyRange.Single(key)), new DeleteRequest(KeyRange.Prefix(JobKeys.Fired(name)))],
                []),
            cancellationToken).ConfigureAwait(false);
        return txn.Succeeded;
    }

    /// <summary>Enqueues a run now, outside its schedule (its schedule is unchanged). The job names the recurring job
    /// but no occurrence; it counts as the recurring job's last job (so <c>noOverlap</c> waits for it too).</summary>
    /// <exception cref="NotFoundException">No such recurring job.</exception>
    public async Task<JobDto> TriggerAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        var key = JobKeys.Recurring(name);
        while (true)
        {
            var (definition, kv) = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
            if (definition is null)
            {
                throw new NotFoundException($"There is no recurring job '{name}'.");
            }

            var now = Options.Time.GetUtcNow();
            var id = await _jobs.NextIdAsync(cancellationToken).ConfigureAwait(false);
            var (job, compares, puts) = PrepareJob(definition, id, occurrence: null, now);
            definition.LastJob = id;
            definition.Fired++;
            definition.Revision = 0;
            var txn = await Store.TxnAsync(
                new TxnRequest(
                    [Compare.ModRevision(key, CompareResult.Equal, kv!.ModRevision), .. compares],
                    [.. puts, new PutRequest(key, Serialize(definition))],
                    []),
                cancellationToken).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                job.Revision = txn.Revision;
                return job;
            }
        }
    }

    /// <summary>One pass: fires every due occurrence (by each one's misfire policy). Returns how many jobs it made.</summary>
    /// <remarks>A definition that cannot be fired (its job is refused, say after a setting changed) is logged and left
    /// due; the others are fired all the same.</remarks>
    /// <exception cref="CairnException">The first definition that could not be fired failed so (the others were fired).</exception>
    public Task<int> FireDueAsync(CancellationToken cancellationToken = default) => FireDueOrThrowAsync(cancellationToken);

    /// <summary>Deletes the markers of fired occurrences older than <see cref="JobsOptions.Retention"/> (they only
    /// guard occurrences that could still be fired). Returns how many. Any node may run it at any time.</summary>
    public async Task<int> FoldAsync(CancellationToken cancellationToken = default)
    {
        var before = Options.Time.GetUtcNow() - Options.Retention;
        var names = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.RecurringPrefix)) { KeysOnly = true }, cancellationToken)
            .ConfigureAwait(false);
        var deleted = 0;
        foreach (var kv in names.Kvs)
        {
            var name = kv.Key[JobKeys.RecurringPrefix.Length..];
            var result = await Store.DeleteAsync(
                new DeleteRequest(KeyRange.Between(JobKeys.Fired(name), JobKeys.Fired(name, before))), cancellationToken).ConfigureAwait(false);
            deleted += (int)result.Deleted;
        }

        return deleted;
    }

    private static void CheckName(string? name)
    {
        if (!JobNames.IsValidName(name))
        {
            throw new InvalidArgumentException(
                $"'name' must be 1–200 ASCII letters, digits and . _ - : (not starting with '.'); got '{name}'.");
        }
    }

    private static EnqueueJobDto ToEnqueue(RecurringJobDto definition) => new()
    {
        Type = definition.Type,
        Args = definition.Args,
        Queue = definition.Queue,
        MaxAttempts = definition.MaxAttempts,
        TimeoutSeconds = definition.TimeoutSeconds,
        MaxConcurrency = definition.MaxConcurrency,
    };

    /// <summary>The job a firing (or a trigger) makes: an enqueue of the definition's job, naming the recurring job
    /// and the occurrence.</summary>
    private (JobDto Job, IReadOnlyList<Compare> Compares, IReadOnlyList<KvRequest> Puts) PrepareJob(
        RecurringJobDto definition, long id, DateTimeOffset? occurrence, DateTimeOffset now)
    {
        var (job, compares, puts) = _jobs.PrepareEnqueue(ToEnqueue(definition), id, now);
        job.Recurring = definition.Name;
        job.Occurrence = occurrence;
        var jobKey = JobKeys.Job(id);
        var stored = JobJson.Encode(job);
        return (job, compares, puts.Select(p => p is PutRequest put && put.Key == jobKey ? put with { Value = stored } : p).ToList());
    }

    private static byte[] Serialize(RecurringJobDto definition) => JsonSerializer.SerializeToUtf8Bytes(definition, WireJson.Options);

    private static RecurringJobDto Parse(KeyValue kv)
    {
        var definition = JsonSerializer.Deserialize<RecurringJobDto>(kv.Value.Span, WireJson.Options)
            ?? throw new CorruptException($"The recurring job at '{kv.Key}' is null.");
        definition.Revision = kv.ModRevision;
        return definition;
    }

    private async Task<(RecurringJobDto? Definition, KeyValue? Kv)> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Single(JobKeys.Recurring(name))), cancellationToken).ConfigureAwait(false);
        return result.Kvs.Count == 0 ? (null, null) : (Parse(result.Kvs[0]), result.Kvs[0]);
    }

    private async Task<(long Revision, IReadOnlyList<(RecurringJobDto Definition, KeyValue Kv)> Definitions)> ReadAllAsync(CancellationToken cancellationToken)
    {
        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.RecurringPrefix)), cancellationToken).ConfigureAwait(false);
        return (result.Revision, result.Kvs.Select(kv => (Parse(kv), kv)).ToList());
    }

    private static string MarkerValue(long id) => id.ToString(CultureInfo.InvariantCulture);
}
