using System.Collections.Concurrent;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// The worker side: claim (one txn that takes the queue key, the concurrency slot and writes the attempt; its revision is
// the fencing token), heartbeat, log, complete — every later write compares the job's mod revision with the token.
public sealed partial class JobStore
{
    /// <summary>How many queue keys a claim reads at once.</summary>
    private const int ClaimScan = 64;

    /// <summary>A claim picks at random among this many first candidates, so that many workers polling one queue do not
    /// all race for its head.</summary>
    private const int ClaimSpread = 8;

    /// <summary>A log chunk's text is at most this many UTF-8 bytes (a longer write becomes several chunks), far below
    /// any backend's value limit.</summary>
    private const int MaxChunkBytes = 256 * 1024;

    private readonly ConcurrentDictionary<(long Id, long Token), LogCursor> _logs = new();

    /// <inheritdoc />
    public async Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Worker))
        {
            throw new InvalidArgumentException("A claim needs the worker's id. Field: worker.");
        }

        if (request.Queues.Count == 0 || request.Queues.Any(q => !JobNames.IsValidName(q)))
        {
            throw new InvalidArgumentException("A claim needs one or more valid queue names. Field: queues.");
        }

        var deadline = Now + (wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await PromoteAsync(ClaimScan, cancellationToken).ConfigureAwait(false);
            var (claim, revision, slotsFull) = await TryClaimAsync(request, cancellationToken).ConfigureAwait(false);
            if (claim is not null)
            {
                return claim;
            }

            var left = deadline - Now;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            // Nothing for us: sleep until a job is enqueued (or, if a limited type was full, a slot frees), the next
            // scheduled job is due, or the wait is over — whichever comes first.
            var due = await NextDueAsync(cancellationToken).ConfigureAwait(false);
            if (due is { } at && at - Now < left)
            {
                left = at - Now;
            }

            using var woken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var wakes = new List<Task>
            {
                WaitForAsync(KeyRange.Prefix(JobKeys.QueuePrefix), revision + 1, e => e.Type == WatchEventType.Put, woken.Token),
                Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, _options.Time, woken.Token),
            };
            if (slotsFull)
            {
                wakes.Add(WaitForAsync(KeyRange.Prefix(JobKeys.SlotPrefix), revision + 1, e => e.Type == WatchEventType.Delete, woken.Token));
            }

            try
            {
                var first = await Task.WhenAny(wakes).ConfigureAwait(false);
                await woken.CancelAsync().ConfigureAwait(false);
                await first.ConfigureAwait(false); // a failed watch (the store is down) fails the claim
            }
            finally
            {
                await woken.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(wakes).ConfigureAwait(false);
                }
                catch (Exception) when (wakes.All(t => t.IsCompleted))
                {
                    // The losers were cancelled (or failed after the winner decided): nothing to report.
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var run = await _store.RangeAsync(Read(JobKeys.Running(claim.JobId)), cancellationToken).ConfigureAwait(false);
        if (run.Kvs.Count == 0 || run.Kvs[0].CreateRevision != claim.Token)
        {
            return false;
        }

        var record = JobJson.DecodeClaim(run.Kvs[0]);
        record.ExpiresAt = Now + _options.ClaimTtl;
        var result = await _store.TxnAsync(new TxnRequest(
            [
                Compare.ModRevision(JobKeys.Job(claim.JobId), CompareResult.Equal, claim.Token),
                Compare.CreateRevision(JobKeys.Running(claim.JobId), CompareResult.Equal, claim.Token),
            ],
            [new PutRequest(JobKeys.Running(claim.JobId), JobJson.Encode(record))], []), cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <inheritdoc />
    public async Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return;
        }

        if (_logs.Count > 10_000)
        {
            _logs.Clear(); // claims that ended elsewhere (expired, cancelled); a live one re-reads its position
        }

        // Each claim keeps its position (attempt, next seq, bytes) on this node; a write that finds its chunk key taken
        // (another writer of the attempt) re-reads it from the store. The compare of the job's mod revision fences it.
        var cursor = _logs.GetOrAdd((claim.JobId, claim.Token), _ => new LogCursor());
        while (true)
        {
            LogCursor at;
            lock (cursor)
            {
                at = cursor.Copy();
            }

            if (!at.Loaded)
            {
                at = await LoadCursorAsync(claim, cancellationToken).ConfigureAwait(false);
            }

            if (at.Cut)
            {
                return; // past the limit: the note is written, the rest is dropped
            }

            var now = Now;
            var pieces = new List<string>();
            var cut = at.Bytes + Encoding.UTF8.GetByteCount(text) > _options.MaxLogBytes;
            var kept = cut ? Prefix(text, _options.MaxLogBytes - at.Bytes) : text;
            pieces.AddRange(Split(kept));
            if (cut)
            {
                pieces.Add($"[log cut at {_options.MaxLogBytes} bytes]");
            }

            var compares = new List<Compare> { Compare.ModRevision(JobKeys.Job(claim.JobId), CompareResult.Equal, claim.Token) };
            var puts = new List<KvRequest>();
            for (var i = 0; i < pieces.Count; i++)
            {
                var key = JobKeys.Log(claim.JobId, at.Attempt, at.Seq + i);
                compares.Add(Compare.CreateRevision(key, CompareResult.Equal, 0));
                puts.Add(new PutRequest(key, JobJson.Encode(new JobLogChunkDto { Attempt = at.Attempt, Seq = at.Seq + i, Text = pieces[i], At = now })));
            }

            var result = await _store.TxnAsync(new TxnRequest(compares, puts, [Read(JobKeys.Job(claim.JobId))]), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                lock (cursor)
                {
                    cursor.Set(at.Attempt, at.Seq + pieces.Count, at.Bytes + Encoding.UTF8.GetByteCount(kept), cut);
                }

                return;
            }

            var job = ((RangeResult)result.Results[0]).Kvs;
            if (job.Count == 0 || job[0].ModRevision != claim.Token)
            {
                _logs.TryRemove((claim.JobId, claim.Token), out _);
                throw Stale(claim);
            }

            lock (cursor)
            {
                cursor.Loaded = false; // another writer of this attempt took the seq: re-read
            }
        }
    }

    /// <inheritdoc />
    public async Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.Outcome is not (JobOutcomes.Succeeded or JobOutcomes.Failed or JobOutcomes.TimedOut or JobOutcomes.Cancelled or JobOutcomes.Lost))
        {
            throw new InvalidArgumentException($"Unknown outcome '{completion.Outcome}' (succeeded, failed, timed_out or cancelled). Field: outcome.");
        }

        if (completion.Token != 0 && completion.Token != claim.Token)
        {
            throw Stale(claim);
        }

        var read = await ReadJobAsync(claim.JobId, cancellationToken).ConfigureAwait(false);
        if (read is not { } current || current.Kv.ModRevision != claim.Token || current.Job.State != JobStates.Processing)
        {
            throw Stale(claim);
        }

        var job = current.Job;
        var attempt = job.Attempts[^1];
        attempt.ExitCode = completion.ExitCode;
        if (completion.Outcome == JobOutcomes.Succeeded)
        {
            job.Result = completion.Result is { } r ? r.Clone() : null;
            job.Files = completion.Files;
        }

        var ops = Finish(job, current.Run, completion.Outcome, completion.Error, Now);
        var result = await _store.TxnAsync(new TxnRequest(
            [Compare.ModRevision(JobKeys.Job(claim.JobId), CompareResult.Equal, claim.Token)], ops, []), cancellationToken).ConfigureAwait(false);
        _logs.TryRemove((claim.JobId, claim.Token), out _);
        if (!result.Succeeded)
        {
            throw Stale(claim);
        }

        job.Revision = result.Revision;
        return job;
    }

    /// <inheritdoc />
    public async Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var from = claim.Token + 1;
        while (true)
        {
            try
            {
                await WaitForAsync(KeyRange.Single(JobKeys.Job(claim.JobId)), from,
                    e => e.Type == WatchEventType.Delete || e.Kv.ModRevision != claim.Token, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (CompactedException)
            {
                // The history since the claim is gone: the key itself says whether the attempt is still current.
                var now = await _store.RangeAsync(Read(JobKeys.Job(claim.JobId)), cancellationToken).ConfigureAwait(false);
                if (now.Kvs.Count == 0 || now.Kvs[0].ModRevision != claim.Token)
                {
                    return;
                }

                from = now.Revision + 1;
            }
        }
    }

    /// <summary>Ends the running attempt of <paramref name="job"/> (processing, its record read at the token) with
    /// <paramref name="outcome"/> and moves the job on: succeeded, cancelled, a retry after a backoff, or failed when its
    /// attempts are spent. Returns the transaction's writes (the job, its new index key, the claim and slot released).</summary>
    private List<KvRequest> Finish(JobDto job, KeyValue? run, string outcome, string? error, DateTimeOffset now)
    {
        var attempt = job.Attempts[^1];
        var n = attempt.Number;
        attempt.EndedAt = now;
        attempt.Outcome = outcome;
        attempt.Token = job.Revision;
        if (outcome != JobOutcomes.Succeeded)
        {
            attempt.Error = Line(error) ?? outcome switch
            {
                JobOutcomes.TimedOut => $"timed out after {job.TimeoutSeconds:0.###} s",
                JobOutcomes.Cancelled => "stopped by its worker",
                JobOutcomes.Lost => "its worker stopped heartbeating",
                _ => attempt.ExitCode is { } code ? $"exit code {code}" : "failed",
            };
        }

        job.StateAt = now;
        job.RunAt = null;
        switch (outcome)
        {
            case JobOutcomes.Succeeded:
                job.State = JobStates.Succeeded;
                job.Reason = n == 1 ? "succeeded" : $"succeeded on attempt {n} of {job.MaxAttempts}";
                break;
            case JobOutcomes.Cancelled:
                job.State = JobStates.Cancelled;
                job.Reason = $"cancelled by its worker: {attempt.Error}";
                break;
            default:
                if (n >= job.MaxAttempts)
                {
                    job.State = JobStates.Failed;
                    job.Reason = n == 1 ? $"failed: {attempt.Error}" : $"failed after {n} attempts: {attempt.Error}";
                }
                else
                {
                    job.State = JobStates.Scheduled;
                    job.RunAt = now + Backoff(n);
                    job.Reason = $"retry {n + 1} of {job.MaxAttempts} at {JobJson.Show(job.RunAt.Value)}: {attempt.Error}";
                }

                break;
        }

        var ops = new List<KvRequest> { new PutRequest(JobKeys.Job(job.Id), JobJson.Encode(job)), IndexPut(job) };
        ops.AddRange(ReleaseClaim(job.Id, run));
        return ops;
    }

    /// <summary>Deletes the claim record and the concurrency slot it holds.</summary>
    private static IEnumerable<KvRequest> ReleaseClaim(long id, KeyValue? run)
    {
        if (run is null)
        {
            yield break;
        }

        yield return new DeleteRequest(KeyRange.Single(JobKeys.Running(id)));
        if (JobJson.DecodeClaim(run).Slot is { } slot)
        {
            yield return new DeleteRequest(KeyRange.Single(slot));
        }
    }

    /// <summary>The wait before attempt <paramref name="failed"/> + 1: <see cref="JobsOptions.Backoff"/> doubled per failed
    /// attempt, at most <see cref="JobsOptions.MaxBackoff"/>, ±25 % so that jobs that failed together do not retry together.</summary>
    private TimeSpan Backoff(int failed)
    {
        var baseSeconds = Math.Min(_options.MaxBackoff.TotalSeconds, _options.Backoff.TotalSeconds * Math.Pow(2, failed - 1));
        double jitter;
        lock (_options.Random)
        {
            jitter = (_options.Random.NextDouble() * 0.5) - 0.25;
        }

        return TimeSpan.FromSeconds(baseSeconds * (1 + jitter));
    }

    /// <summary>One claim try over the worker's queues; the revision its reads saw, and whether a limited type was skipped
    /// because its slots were all taken.</summary>
    private async Task<(JobClaim? Claim, long Revision, bool SlotsFull)> TryClaimAsync(JobClaimRequestDto request, CancellationToken cancellationToken)
    {
        long revision = 0;
        var slotsFull = false;
        foreach (var queue in request.Queues)
        {
            // A page of the queue at a time, on to its end: jobs of types this worker does not run may fill the head.
            var conflicts = 0;
            var full = new HashSet<string>(StringComparer.Ordinal);
            var from = JobKeys.Queue(queue);
            var end = Keys.PrefixEnd(from)!;
            while (true)
            {
                var index = await _store.RangeAsync(new RangeRequest(KeyRange.Between(from, end)) { Limit = ClaimScan }, cancellationToken).ConfigureAwait(false);
                if (revision == 0)
                {
                    revision = index.Revision;
                }

                var candidates = index.Kvs.Where(kv => Matches(request.Types, JobJson.Text(kv))).ToList();
                Shuffle(candidates, Math.Min(ClaimSpread, candidates.Count));
                var raced = false;
                foreach (var queued in candidates)
                {
                    var type = JobJson.Text(queued);
                    if (full.Contains(type))
                    {
                        continue;
                    }

                    var (outcome, claim) = await TryClaimOneAsync(request, queued, cancellationToken).ConfigureAwait(false);
                    if (claim is not null)
                    {
                        return (claim, revision, false);
                    }

                    if (outcome == ClaimTry.SlotsFull)
                    {
                        full.Add(type);
                        slotsFull = true;
                    }
                    else if (outcome == ClaimTry.Raced)
                    {
                        raced = true;
                        break;
                    }
                }

                if (raced)
                {
                    // Another worker changed the queue under us: read it again (it made progress, so this ends).
                    if (++conflicts > 100)
                    {
                        break;
                    }

                    from = JobKeys.Queue(queue);
                }
                else if (index.More)
                {
                    from = index.Kvs[^1].Key + "\0";
                }
                else
                {
                    break;
                }
            }
        }

        return (null, revision, slotsFull);
    }

    private enum ClaimTry
    {
        Claimed,
        NotForUs,
        SlotsFull,
        Raced,
    }

    private async Task<(ClaimTry Outcome, JobClaim? Claim)> TryClaimOneAsync(JobClaimRequestDto request, KeyValue queued, CancellationToken cancellationToken)
    {
        var id = JobJson.IdAtEnd(queued.Key);
        var jobKv = (await _store.RangeAsync(Read(JobKeys.Job(id)), cancellationToken).ConfigureAwait(false)).Kvs;
        var job = jobKv.Count == 0 ? null : JobJson.DecodeJob(jobKv[0]);
        if (job?.State != JobStates.Enqueued)
        {
            return (ClaimTry.NotForUs, null); // moved on since the queue was read (its key is gone by now)
        }

        if (job.Node is { } node && node != request.Node)
        {
            return (ClaimTry.NotForUs, null);
        }

        var compares = new List<Compare>
        {
            Compare.ModRevision(queued.Key, CompareResult.Equal, queued.ModRevision),
            Compare.ModRevision(JobKeys.Job(id), CompareResult.Equal, jobKv[0].ModRevision),
        };
        string? slot = null;
        if (job.MaxConcurrency is { } limit)
        {
            var taken = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.Slots(job.Type))) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
            var used = taken.Kvs.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            var free = Enumerable.Range(0, limit).Select(n => JobKeys.Slot(job.Type, n)).Where(k => !used.Contains(k)).ToList();
            if (free.Count == 0)
            {
                return (ClaimTry.SlotsFull, null);
            }

            slot = free[Random.Shared.Next(free.Count)];
            compares.Add(Compare.CreateRevision(slot, CompareResult.Equal, 0));
        }

        var now = Now;
        var number = job.Attempts.Count + 1;
        job.Attempts.Add(new JobAttemptDto { Number = number, Worker = request.Worker, Node = request.Node, StartedAt = now });
        job.State = JobStates.Processing;
        job.StateAt = now;
        job.RunAt = null;
        job.Reason = $"attempt {number} of {job.MaxAttempts} running on worker {request.Worker} ({request.Node})";
        var record = new ClaimRecord { Attempt = number, Worker = request.Worker, Node = request.Node, ExpiresAt = now + _options.ClaimTtl, Slot = slot };
        var ops = new List<KvRequest>
        {
            new DeleteRequest(KeyRange.Single(queued.Key)),
            new PutRequest(JobKeys.Job(id), JobJson.Encode(job)),
            new PutRequest(JobKeys.Running(id), JobJson.Encode(record)),
        };
        if (slot is not null)
        {
            ops.Add(new PutRequest(slot, JobJson.Utf8(id)));
        }

        var result = await _store.TxnAsync(new TxnRequest(compares, ops, []), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return (ClaimTry.Raced, null);
        }

        job.Revision = result.Revision;
        job.Attempts[^1].Token = result.Revision;
        return (ClaimTry.Claimed, new JobClaim(job, number, result.Revision, _options.ClaimTtl));
    }

    /// <summary>Whether a worker that runs <paramref name="types"/> (names, or prefixes ending in <c>*</c>; none: any)
    /// can run a job of <paramref name="type"/>.</summary>
    internal static bool Matches(IReadOnlyCollection<string> types, string type) =>
        types.Count == 0 || types.Any(t => t.EndsWith('*') ? type.StartsWith(t[..^1], StringComparison.Ordinal) : t == type);

    private static void Shuffle<T>(List<T> items, int count)
    {
        for (var i = count - 1; i > 0; i--)
        {
            var j = Random.Shared.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Completes when a change in <paramref name="range"/> from <paramref name="from"/> on satisfies
    /// <paramref name="wanted"/>.</summary>
    private async Task WaitForAsync(KeyRange range, long from, Func<WatchEvent, bool> wanted, CancellationToken cancellationToken)
    {
        var request = new WatchRequest(range) { StartRevision = from };
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (response.Events.Any(wanted))
            {
                return;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new UnavailableException("The store ended a watch.");
    }

    private async Task<LogCursor> LoadCursorAsync(JobClaim claim, CancellationToken cancellationToken)
    {
        var (_, results) = await SnapshotAsync([Read(JobKeys.Job(claim.JobId)), Read(JobKeys.Running(claim.JobId))], cancellationToken).ConfigureAwait(false);
        if (results[0].Kvs.Count == 0 || results[0].Kvs[0].ModRevision != claim.Token || results[1].Kvs.Count == 0)
        {
            _logs.TryRemove((claim.JobId, claim.Token), out _);
            throw Stale(claim);
        }

        var attempt = JobJson.DecodeClaim(results[1].Kvs[0]).Attempt;
        var chunks = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JobKeys.Log(claim.JobId, attempt))), cancellationToken).ConfigureAwait(false);
        var texts = chunks.Kvs.Select(kv => JobJson.DecodeChunk(kv).Text).ToList();
        var cut = texts.Count > 0 && texts[^1].StartsWith("[log cut at ", StringComparison.Ordinal);
        var loaded = new LogCursor();
        loaded.Set(attempt, texts.Count, texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t)), cut);
        return loaded;
    }

    private static ConflictException Stale(JobClaim claim) =>
        new($"Attempt {claim.Attempt} of job {claim.JobId} is no longer current (it was cancelled, or its claim expired and it was " +
            "retried); nothing was written. Stop it.");

    /// <summary>The longest start of <paramref name="text"/> of at most <paramref name="bytes"/> UTF-8 bytes, not
    /// splitting a character.</summary>
    private static string Prefix(string text, long bytes)
    {
        if (bytes <= 0)
        {
            return "";
        }

        var used = 0L;
        var end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > bytes)
            {
                break;
            }

            used += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return text[..end];
    }

    private static IEnumerable<string> Split(string text)
    {
        while (text.Length > 0)
        {
            var piece = Prefix(text, MaxChunkBytes);
            yield return piece;
            text = text[piece.Length..];
        }
    }

    /// <summary>An error as one line (a reason shows it after a colon).</summary>
    private static string? Line(string? error)
    {
        if (string.IsNullOrWhiteSpace(error))
        {
            return null;
        }

        var line = string.Join(' ', error.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 2000 ? line[..2000] + "…" : line;
    }

    /// <summary>Where one claim's log stands on this node: its attempt, next seq and bytes so far.</summary>
    private sealed class LogCursor
    {
        public bool Loaded { get; set; }

        public int Attempt { get; private set; }

        public long Seq { get; private set; }

        public long Bytes { get; private set; }

        public bool Cut { get; private set; }

        public void Set(int attempt, long seq, long bytes, bool cut) => (Loaded, Attempt, Seq, Bytes, Cut) = (true, attempt, seq, bytes, cut);

        public LogCursor Copy() => (LogCursor)MemberwiseClone();
    }
}
