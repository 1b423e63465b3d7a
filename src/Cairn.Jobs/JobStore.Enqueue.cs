using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// Enqueue: ids, validation, and the one transaction that creates a job with its index (and idempotency) keys.
public sealed partial class JobStore
{
    /// <summary>The longest delay a job may be enqueued with: far enough for any real schedule, near enough that a typo
    /// (a timestamp given as a delay) is caught.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromDays(3653);

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    private readonly Lock _idGate = new();
    private Task? _refill;
    private long _nextId;
    private long _idsEnd;

    /// <summary>Enqueues a job (scheduled when its run time is in the future). With an idempotency key that a live job
    /// already has, returns that job and <c>Created</c> false, writing nothing.</summary>
    /// <exception cref="InvalidArgumentException">A field is invalid; the message names it. Nothing was written.</exception>
    public async Task<(JobDto Job, bool Created)> EnqueueAsync(EnqueueJobDto request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Validate before taking an id, so that a refused enqueue writes nothing at all (not even the id block).
        _ = PrepareEnqueue(request, 1, Now);
        var id = await NextIdAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var (job, compares, puts) = PrepareEnqueue(request, id, Now);
            IReadOnlyList<KvRequest> failure = job.IdempotencyKey is { } key ? [Read(JobKeys.Idempotency(key))] : [];
            var result = await _store.TxnAsync(new TxnRequest(compares, puts, failure), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                job.Revision = result.Revision;
                return (job, true);
            }

            // The key is taken: the job that has it is the answer (a concurrent enqueue with the same key that won).
            var existing = ((RangeResult)result.Results[0]).Kvs;
            if (existing.Count == 0)
            {
                continue; // deleted in between: try again
            }

            var owner = JobKeys.ParseId(JobJson.Text(existing[0]));
            if (await GetAsync(owner, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return (found, false);
            }

            // A key whose job is gone (deletes and folds remove both at once, so only a foreign write makes one):
            // drop it if it is still the same, then try again.
            await _store.TxnAsync(new TxnRequest(
                [Compare.ModRevision(existing[0].Key, CompareResult.Equal, existing[0].ModRevision)],
                [new DeleteRequest(KeyRange.Single(existing[0].Key))], []), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A new job id (from this node's block; a new block from <see cref="JobKeys.Ids"/> when it runs out).</summary>
    internal async ValueTask<long> NextIdAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task refill;
            lock (_idGate)
            {
                if (_nextId < _idsEnd)
                {
                    return _nextId++;
                }

                // One refill at a time for the whole instance: concurrent enqueues wait for it rather than each taking
                // (and mostly wasting) a block of their own.
                refill = _refill ??= RefillIdsAsync();
            }

            await refill.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RefillIdsAsync()
    {
        await Task.Yield(); // never complete inside NextIdAsync's lock
        try
        {
            while (true)
            {
                var current = await _store.RangeAsync(Read(JobKeys.Ids)).ConfigureAwait(false);
                var kv = current.Kvs.Count == 0 ? null : current.Kvs[0];
                var start = kv is null ? 1 : long.Parse(JobJson.Text(kv), NumberStyles.None, CultureInfo.InvariantCulture);
                var compare = kv is null
                    ? Compare.CreateRevision(JobKeys.Ids, CompareResult.Equal, 0)
                    : Compare.ModRevision(JobKeys.Ids, CompareResult.Equal, kv.ModRevision);
                var taken = await _store.TxnAsync(
                    new TxnRequest([compare], [new PutRequest(JobKeys.Ids, JobJson.Utf8(start + JobKeys.IdBlock))], [])).ConfigureAwait(false);
                if (taken.Succeeded)
                {
                    lock (_idGate)
                    {
                        (_nextId, _idsEnd) = (start, start + JobKeys.IdBlock);
                    }

                    return;
                }
            }
        }
        finally
        {
            lock (_idGate)
            {
                _refill = null;
            }
        }
    }

    /// <summary>
    /// The job an enqueue makes, and the transaction parts that create it: compares (the idempotency key absent, if any)
    /// and puts (job, index, idempotency key). The recurring scheduler adds these to its firing transaction.
    /// </summary>
    /// <remarks>The job's put is always <c>Puts[0]</c>: a caller that sets more fields on the job (the recurring job that
    /// fired it) replaces that put with <c>new PutRequest(JobKeys.Job(id), JobJson.Encode(job))</c>.</remarks>
    /// <exception cref="InvalidArgumentException">A field is invalid; the message names it.</exception>
    internal (JobDto Job, IReadOnlyList<Compare> Compares, IReadOnlyList<KvRequest> Puts) PrepareEnqueue(EnqueueJobDto request, long id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsValidType(request.Type))
        {
            throw new InvalidArgumentException(
                $"The job's type '{request.Type}' is not valid: give a handler name (letters, digits, '.', '_', '-', ':'; up to 200), " +
                $"or '{JobNames.ScriptPrefix}<path>' or '{JobNames.PulzarPrefix}<dir>/<name>' (up to 1024 characters after the prefix, no control characters). Field: type.");
        }

        var args = request.Args is { ValueKind: not JsonValueKind.Undefined } given ? given : JobJson.Empty;
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidArgumentException($"The job's args must be a JSON object, not {args.ValueKind.ToString().ToLowerInvariant()}. Field: args.");
        }

        var queue = request.Queue ?? JobNames.DefaultQueue;
        if (!JobNames.IsValidName(queue))
        {
            throw new InvalidArgumentException($"The queue '{queue}' is not a valid name (1–200 letters, digits, '.', '_', '-', ':'). Field: queue.");
        }

        if (request.RunAt is not null && request.DelaySeconds is not null)
        {
            throw new InvalidArgumentException("Give runAt or delaySeconds, not both. Field: runAt.");
        }

        var runAt = now;
        if (request.DelaySeconds is { } delay)
        {
            if (!double.IsFinite(delay) || delay < 0 || delay > MaxDelay.TotalSeconds)
            {
                throw new InvalidArgumentException($"delaySeconds must be between 0 and {MaxDelay.TotalSeconds:0} (10 years). Field: delaySeconds.");
            }

            runAt = now + TimeSpan.FromSeconds(delay);
        }
        else if (request.RunAt is { } at)
        {
            if (at > now + MaxDelay)
            {
                throw new InvalidArgumentException("runAt must be at most 10 years from now. Field: runAt.");
            }

            runAt = at.ToUniversalTime();
        }

        var maxAttempts = request.MaxAttempts ?? _options.MaxAttempts;
        if (maxAttempts is < 1 or > 100)
        {
            throw new InvalidArgumentException($"maxAttempts must be between 1 and 100, not {maxAttempts}. Field: maxAttempts.");
        }

        var timeout = request.TimeoutSeconds ?? _options.Timeout.TotalSeconds;
        if (!double.IsFinite(timeout) || timeout <= 0 || timeout > MaxTimeout.TotalSeconds)
        {
            throw new InvalidArgumentException($"timeoutSeconds must be more than 0 and at most {MaxTimeout.TotalSeconds:0} (7 days). Field: timeoutSeconds.");
        }

        var maxConcurrency = request.MaxConcurrency ?? (_options.MaxConcurrency.TryGetValue(request.Type, out var limit) ? limit : null);
        if (maxConcurrency is < 1 or > 1000)
        {
            throw new InvalidArgumentException($"maxConcurrency must be between 1 and 1000, not {maxConcurrency}. Field: maxConcurrency.");
        }

        if (request.IdempotencyKey is { } idempotencyKey && (idempotencyKey.Length is 0 or > 200 || idempotencyKey.Any(char.IsControl) || HasLoneSurrogate(idempotencyKey)))
        {
            throw new InvalidArgumentException("An idempotencyKey must be 1–200 characters of text without control characters. Field: idempotencyKey.");
        }

        if (request.Node is { } node && !JobNames.IsValidName(node))
        {
            throw new InvalidArgumentException($"The node '{node}' is not a valid node id. Field: node.");
        }

        var scheduled = runAt > now;
        var job = new JobDto
        {
            Id = id,
            Type = request.Type,
            Args = args.Clone(),
            Queue = queue,
            State = scheduled ? JobStates.Scheduled : JobStates.Enqueued,
            Reason = scheduled ? $"waiting until {JobJson.Show(runAt)}" : "waiting for a worker",
            CreatedAt = now,
            StateAt = now,
            RunAt = scheduled ? runAt : null,
            MaxAttempts = maxAttempts,
            TimeoutSeconds = timeout,
            MaxConcurrency = maxConcurrency,
            IdempotencyKey = request.IdempotencyKey,
            Node = request.Node,
        };

        var compares = new List<Compare>();
        var puts = new List<KvRequest> { new PutRequest(JobKeys.Job(id), JobJson.Encode(job)), IndexPut(job) };
        if (job.IdempotencyKey is { } key)
        {
            compares.Add(Compare.CreateRevision(JobKeys.Idempotency(key), CompareResult.Equal, 0));
            puts.Add(new PutRequest(JobKeys.Idempotency(key), JobJson.Utf8(id)));
        }

        return (job, compares, puts);
    }

    /// <summary>A handler name, or a script or Pulzar job with a plausible path (whether the file exists is for the
    /// worker that runs it to say).</summary>
    internal static bool IsValidType(string? type)
    {
        if (type is null)
        {
            return false;
        }

        var rest = type.StartsWith(JobNames.ScriptPrefix, StringComparison.Ordinal) ? type[JobNames.ScriptPrefix.Length..]
            : type.StartsWith(JobNames.PulzarPrefix, StringComparison.Ordinal) ? type[JobNames.PulzarPrefix.Length..]
            : null;
        return rest is null
            ? JobNames.IsValidName(type)
            : rest is { Length: >= 1 and <= 1024 } && !rest.Any(char.IsControl) && !HasLoneSurrogate(rest);
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
