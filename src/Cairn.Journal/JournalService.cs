using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Journal;

/// <summary>
/// The journal: appends steps of long-running requests and answers where each request stands. Written against the
/// keyspace contract only, so it runs on every backend; the secondary directory takes entries while the store is
/// unavailable and is replayed into it later (<see cref="ResyncAsync"/>).
/// </summary>
/// <remarks>
/// An append is one store transaction: it creates the step key only if it does not exist (so the first message of a
/// txid/step wins and retries are safe), rewrites the request's summary under a compare on its mod revision, and keeps
/// the in-progress index. It is acknowledged once the store made it durable — or, when the store is unavailable, once
/// the secondary file is fsynced. An entry larger than <see cref="JournalOptions.InlineThreshold"/> once compressed goes
/// to the large-message store when there is one, durably, before the transaction that commits the step key pointing to
/// it (see <c>JournalService.Large.cs</c>); every read gives the message back as if it were inline.
/// </remarks>
public sealed partial class JournalService
{
    private const int MaxAttempts = 64;

    private readonly IKeyspace _store;
    private readonly JournalOptions _options;
    private readonly ILogger _logger;
    private readonly ILargeMessageStore? _large;

    /// <summary>A journal on <paramref name="store"/>; entries too large for it go to <paramref name="largeMessages"/>
    /// when given (else they stay inline, as far as the store takes them).</summary>
    public JournalService(IKeyspace store, JournalOptions options, ILogger? logger = null, ILargeMessageStore? largeMessages = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _large = largeMessages;
        Spool = options.SecondaryDirectory is { Length: > 0 } directory ? new JournalSpool(directory) : null;
    }

    /// <summary>Where entries over <see cref="JournalOptions.InlineThreshold"/> go; null when they stay inline.</summary>
    public ILargeMessageStore? LargeMessageStore => _large;

    /// <summary>The secondary, when configured.</summary>
    public JournalSpool? Spool { get; }

    /// <summary>The settings.</summary>
    public JournalOptions Options => _options;

    /// <summary>The store (primary).</summary>
    public IKeyspace Store => _store;

    /// <summary>
    /// Appends step <paramref name="step"/> of request <paramref name="txid"/> with a JSON <paramref name="message"/>.
    /// If the step exists already (in the store, the secondary or history) the first message is kept and
    /// <see cref="AppendResult.Created"/> is false. Bad names or a message that is not JSON are
    /// <see cref="InvalidArgumentException"/>s, an over-long message (or, without a large-message store, one the store
    /// cannot hold inline) a <see cref="LimitExceededException"/>; a new step
    /// for a request already folded into history is a <see cref="ConflictException"/>. When neither the store nor the
    /// secondary can take the entry: <see cref="UnavailableException"/> "Unsaved Journal entry -- txid##step".
    /// </summary>
    public async Task<AppendResult> AppendAsync(string txid, string step, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var result = await AppendOnceAsync(txid, step, message, cancellationToken).ConfigureAwait(false);
        if (result.Created)
        {
            JournalMetrics.Appended(step);
        }

        return result;
    }

    private async Task<AppendResult> AppendOnceAsync(string txid, string step, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        JournalMessages.Validate(message.Span, _options.MaxMessageBytes);

        // Times are kept to the millisecond (that is what the codec stores), so the entry returned here is the entry
        // read back later.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(_options.Time.GetUtcNow().ToUnixTimeMilliseconds());
        var entry = new JournalEntry(txid, step, at, message, 0, _options.NodeId);

        // An entry spooled earlier for this txid/step was first: it wins, and goes to the store now if it can.
        if (ReadSpooled(txid, step) is { } spooled)
        {
            try
            {
                var replayed = await WritePrimaryAsync(spooled, cancellationToken).ConfigureAwait(false);
                RemoveSpooled(txid, step);
                return new AppendResult(replayed.Entry, Created: false, Spooled: false);
            }
            catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
            {
                return new AppendResult(spooled, Created: false, Spooled: true);
            }
        }

        try
        {
            return await WritePrimaryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            if (Spool is null)
            {
                throw Unsaved(txid, step, ex);
            }

            LogSpooling(_logger, txid, step, ex.Message);
            try
            {
                var (now, written) = Spool.Write(entry);
                return new AppendResult(now, Created: written, Spooled: true);
            }
            catch (Exception spoolFailure) when (spoolFailure is IOException or UnauthorizedAccessException)
            {
                throw Unsaved(txid, step, new AggregateException(ex, spoolFailure));
            }
        }
    }

    /// <summary>The seed's status of a request: commit message, else abort message, else in progress (a begin step),
    /// else not found. Includes entries still in the secondary and requests folded into history; answers from the
    /// secondary alone while the store is unreachable (see <see cref="GetAsync"/>). Only the message answered is read
    /// from the large-message store.</summary>
    public async Task<JournalStatus> GetStatusAsync(string txid, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var read = await ReadStepsAsync(txid, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                return JournalStatus.NotFound;
            }

            var state = JournalStates.From(read.Value.Steps.Select(s => s.Step));
            var deciding = state switch
            {
                JournalState.Committed => JournalNames.Commit,
                JournalState.Aborted => JournalNames.Abort,
                _ => null,
            };
            if (deciding is null)
            {
                return new JournalStatus(state, default);
            }

            var step = await WithMessageAsync(read.Value.Steps.First(s => s.Step == deciding), attempt, cancellationToken).ConfigureAwait(false);
            if (step is not null)
            {
                return new JournalStatus(state, step.Message);
            }

            if (attempt > 0)
            {
                return JournalStatus.NotFound;
            }
        }
    }

    /// <summary>
    /// A request with all its steps (from the store, the secondary and history), or null when it has none. While the
    /// store is unreachable, a request the secondary holds entries of is answered from the secondary alone; one it
    /// holds nothing of fails with the store's error (it may well exist in the store).
    /// </summary>
    public async Task<JournalRequest?> GetAsync(string txid, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var read = await ReadStepsAsync(txid, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                return null;
            }

            var steps = new List<JournalEntry>(read.Value.Steps.Count);
            foreach (var step in read.Value.Steps)
            {
                if (await WithMessageAsync(step, attempt, cancellationToken).ConfigureAwait(false) is not { } full)
                {
                    break;
                }

                steps.Add(full);
            }

            if (steps.Count < read.Value.Steps.Count)
            {
                if (attempt > 0)
                {
                    return null;
                }

                continue;
            }

            var fields = steps.Aggregate(JournalFields.Empty, (f, s) => f.Merge(FieldsOf(s.Message.Span)));
            return new JournalRequest(txid, JournalStates.From(steps.Select(s => s.Step)), steps, fields, read.Value.Segment);
        }
    }

    // Every step of a request, oldest first, and its segment when it is folded; null when it has none. Messages in the
    // large-message store are not read yet (see WithMessageAsync).
    private async Task<(List<JournalEntry> Steps, long? Segment)?> ReadStepsAsync(string txid, CancellationToken cancellationToken)
    {
        JournalNames.ValidateTxid(txid);
        Dictionary<string, JournalEntry> steps;
        long? segment = null;
        IReadOnlyList<JournalEntry> spooledSteps;
        try
        {
            var result = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.StepsOf(txid))), cancellationToken).ConfigureAwait(false);
            steps = result.Kvs
                .Select(kv => JournalCodec.DecodeStored(kv.Value, kv.ModRevision, JournalSource.Primary))
                .ToDictionary(e => e.Step, StringComparer.Ordinal);
            if (steps.Count == 0 && await GetArchivedAsync(txid, cancellationToken).ConfigureAwait(false) is { } archived)
            {
                segment = archived.Segment;
                foreach (var step in archived.Steps)
                {
                    steps[step.Step] = step;
                }
            }

            spooledSteps = ReadSpooledRequest(txid);
        }
        catch (Exception ex) when (Spool is not null && IsStoreFailure(ex, cancellationToken))
        {
            // The store is unreachable: answer from the secondary when it knows the request (what the store holds is
            // unknown, so the answer may be missing steps — but those entries were acknowledged, and the status of a
            // request whose steps were spooled is exactly what a caller needs during an outage). When the secondary
            // knows nothing, "not found" would be a lie: the store's failure is the answer.
            spooledSteps = ReadSpooledRequest(txid);
            if (spooledSteps.Count == 0)
            {
                throw;
            }

            LogReadFromSecondary(_logger, txid, ex.Message);
            steps = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        }

        foreach (var spooled in spooledSteps)
        {
            steps.TryAdd(spooled.Step, spooled);
        }

        return steps.Count == 0 ? null : (steps.Values.OrderBy(s => s.At).ThenBy(s => s.Revision).ToList(), segment);
    }

    // The step with its message, read from the large-message store if it is there. Null when its content is gone: on
    // the first look the request is read again (it may have moved into history meanwhile); a folded request whose
    // content is gone is being removed by retention (which removes the contents first), so it is as good as not found.
    // A step key whose content is gone on the second look is lost.
    private async Task<JournalEntry?> WithMessageAsync(JournalEntry step, int attempt, CancellationToken cancellationToken)
    {
        if (await LargeMessages.ReadAsync(_large, step, cancellationToken).ConfigureAwait(false) is { } full)
        {
            return full;
        }

        if (attempt == 0 || step.Source == JournalSource.History)
        {
            return null;
        }

        throw new CorruptException($"The message of {step.Txid}/{step.Step} is lost: its large-message content '{step.Large!.Name}' is missing.");
    }

    /// <summary>
    /// A request folded into history by <see cref="JournalArchiver"/>, or null when it was never folded (or retention
    /// has removed it).
    /// </summary>
    internal Task<JournalRequest?> GetArchivedAsync(string txid, CancellationToken cancellationToken) =>
        JournalHistory.ReadArchivedAsync(_store, txid, cancellationToken);

    /// <summary>Requests in the store matching <paramref name="query"/>, in request-id order, one page.</summary>
    public async Task<JournalPage> ListAsync(JournalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > JournalQuery.MaxLimit)
        {
            throw new InvalidArgumentException($"The page limit must be between 1 and {JournalQuery.MaxLimit}; got {query.Limit}.");
        }

        if (query.After is not null)
        {
            JournalNames.ValidateTxid(query.After);
        }

        // A scan of the summaries.
        return await PageAsync(
            JournalKeys.Requests,
            query.After,
            query.Limit,
            (kv, _, _) =>
            {
                var summary = JournalCodec.DecodeSummary(kv.Key[JournalKeys.Requests.Length..], kv.Value.Span, kv.ModRevision);
                return ValueTask.FromResult(Matches(summary, query) ? summary : null);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In-progress requests whose first step is older than <paramref name="olderThan"/>, in request-id order
    /// (not oldest first), one page.</summary>
    /// <remarks>Found through the in-progress index (<see cref="JournalKeys.Open"/>), which holds exactly the requests in
    /// progress with the time of their first step: only the summaries of those old enough are read, never those of
    /// finished requests waiting to be folded.</remarks>
    public async Task<JournalPage> StuckAsync(TimeSpan olderThan, string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (olderThan < TimeSpan.Zero)
        {
            throw new InvalidArgumentException("The age of stuck requests must not be negative.");
        }

        if (limit is < 1 or > JournalQuery.MaxLimit)
        {
            throw new InvalidArgumentException($"The page limit must be between 1 and {JournalQuery.MaxLimit}; got {limit}.");
        }

        if (after is not null)
        {
            JournalNames.ValidateTxid(after);
        }

        var cutoff = Durations.Before(_options.Time.GetUtcNow(), olderThan).ToUnixTimeMilliseconds();
        return await PageAsync(
            JournalKeys.Open,
            after,
            limit,
            async (open, revision, ct) =>
            {
                if (!long.TryParse(open.Value.Span, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var first) || first >= cutoff)
                {
                    return null;
                }

                // The key holds the txid's key name (JournalKeys.Name); the summary under the same name holds the txid.
                var name = open.Key[JournalKeys.Open.Length..];
                var summary = await _store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.Requests + name)) { Revision = revision }, ct).ConfigureAwait(false);
                return summary.Kvs.Count == 0 ? null : JournalCodec.DecodeSummary(name, summary.Kvs[0].Value.Span, summary.Kvs[0].ModRevision);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One page of requests from the keys under <paramref name="prefix"/> (one per request, named by its txid's key name,
    /// <see cref="JournalKeys.Name"/>), in request-id order after <paramref name="after"/>: each key read is given to <paramref name="select"/> with the
    /// revision of the page, which returns the request's summary or null to skip it. The keys are read in batches at
    /// one revision (and <paramref name="select"/> reads at it too), so a page is one consistent snapshot.
    /// </summary>
    private async Task<JournalPage> PageAsync(string prefix, string? after, int limit, Func<KeyValue, long, CancellationToken, ValueTask<JournalSummary?>> select, CancellationToken cancellationToken)
    {
        var page = new List<JournalSummary>(Math.Min(limit, 64));
        var start = after is null ? prefix : prefix + JournalKeys.Name(after) + "\0";
        var end = Keys.PrefixEnd(prefix)!;
        long revision = 0;
        while (true)
        {
            var batch = await _store.RangeAsync(
                new RangeRequest(KeyRange.Between(start, end)) { Limit = 512, Revision = revision },
                cancellationToken).ConfigureAwait(false);
            revision = batch.Revision;
            foreach (var kv in batch.Kvs)
            {
                if (await select(kv, revision, cancellationToken).ConfigureAwait(false) is not { } summary)
                {
                    continue;
                }

                page.Add(summary);
                if (page.Count == limit)
                {
                    var more = !ReferenceEquals(kv, batch.Kvs[^1]) || batch.More;
                    return new JournalPage(page, more ? summary.Txid : null);
                }
            }

            if (!batch.More || batch.Kvs.Count == 0)
            {
                return new JournalPage(page, null);
            }

            start = batch.Kvs[^1].Key + "\0";
        }
    }

    /// <summary>
    /// The steps of request <paramref name="txid"/> as they are appended to the store, from
    /// <paramref name="fromRevision"/> (0: from now), until cancelled. Fails with <see cref="CompactedException"/> when
    /// that revision was compacted. A step replayed from the past whose large message is gone since (its request was
    /// folded and then removed by retention) comes without a message.
    /// </summary>
    public async IAsyncEnumerable<JournalEntry> WatchAsync(string txid, long fromRevision = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JournalNames.ValidateTxid(txid);
        var request = new WatchRequest(KeyRange.Prefix(JournalKeys.StepsOf(txid))) { StartRevision = fromRevision };
        await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
        {
            foreach (var change in response.Events)
            {
                if (change.Type == WatchEventType.Put)
                {
                    var entry = JournalCodec.DecodeStored(change.Kv.Value, change.Kv.ModRevision, JournalSource.Primary);
                    yield return await LargeMessages.ReadAsync(_large, entry, cancellationToken).ConfigureAwait(false) ?? entry with { Large = null };
                }
            }
        }
    }

    /// <summary>
    /// Replays the secondary into the store: each spooled entry is written with first-write-wins (a step already in
    /// the store keeps its message) and its file removed only once the store has the step. Safe to run on several nodes
    /// sharing the directory at once: an entry is never applied twice. Returns how many entries left the secondary;
    /// stops at the first store failure (the rest waits for the next run).
    /// </summary>
    public async Task<int> ResyncAsync(CancellationToken cancellationToken = default)
    {
        if (Spool is null)
        {
            return 0;
        }

        Spool.RemoveStaleTemporaries(TimeSpan.FromHours(1));
        var moved = 0;
        foreach (var (txid, step) in Spool.List())
        {
            // One entry in memory at a time: after an outage the secondary may hold many large ones. One that is gone
            // meanwhile was replayed by another node.
            if (ReadSpooled(txid, step) is not { } entry)
            {
                continue;
            }

            try
            {
                await WritePrimaryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException)
            {
                // Folded into history meanwhile: the store's history is the record now; the late step is dropped and
                // said so in the log, so the secondary does not grow forever.
                LogDroppedLate(_logger, entry.Txid, entry.Step);
            }
            catch (Exception ex) when (!IsStoreFailure(ex, cancellationToken) && !cancellationToken.IsCancellationRequested)
            {
                // The store refuses this one entry for good (too large for it, say): keep the file, so nothing is lost,
                // and go on with the others instead of stopping at it on every run.
                LogResyncRefused(_logger, entry.Txid, entry.Step, ex.Message);
                continue;
            }

            Spool.Remove(entry.Txid, entry.Step);
            moved++;
        }

        return moved;
    }

    /// <summary>Runs <see cref="ResyncAsync"/> every <see cref="JournalOptions.ResyncInterval"/> until cancelled; on every node.</summary>
    public async Task RunResyncLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var moved = await ResyncAsync(cancellationToken).ConfigureAwait(false);
                if (moved > 0)
                {
                    LogResynced(_logger, moved);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever failed (store, secondary), the loop must outlive it: the next run tries again.
                LogResyncFailed(_logger, ex.Message);
            }

            await Task.Delay(_options.ResyncInterval, _options.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    // Writes an entry to the store unless its step exists there (or in history); the entry that is there now is returned.
    // Small entries go into their step key; large ones into the large-message store, when there is one.
    private Task<AppendResult> WritePrimaryAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        var encoded = JournalCodec.EncodeEntry(entry);
        return _large is null || encoded.Length <= _options.InlineThreshold
            ? CommitInlineAsync(entry, encoded, cancellationToken)
            : WriteLargeAsync(entry, encoded, cancellationToken);
    }

    private async Task<AppendResult> CommitInlineAsync(JournalEntry entry, byte[] encoded, CancellationToken cancellationToken) =>
        await CommitAsync(entry, encoded, encoded.Length, pending: null, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException("An inline commit has no pending record to lose.");

    // Commits the step key (value `stepValue`: the entry, or a pointer to it) with the summary and the in-progress index,
    // unless the step exists (or the request is in history). With `pending`, the transaction also takes the large
    // message's pending record away — the step owns the content from then on — and nothing is committed if the record
    // changed (the content was taken for one left by a crash): then the answer is null.
    private async Task<AppendResult?> CommitAsync(JournalEntry entry, byte[] stepValue, int encodedLength, PendingMessage? pending, CancellationToken cancellationToken)
    {
        var stepKey = JournalKeys.Step(entry.Txid, entry.Step);
        var summaryKey = JournalKeys.Request(entry.Txid);
        var archiveKey = JournalKeys.Archived(entry.Txid);
        var fields = FieldsOf(entry.Message.Span);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await _store.RangeAsync(new RangeRequest(KeyRange.Single(summaryKey)), cancellationToken).ConfigureAwait(false);
            var old = current.Kvs.Count == 0 ? null : JournalCodec.DecodeSummary(entry.Txid, current.Kvs[0].Value.Span, current.Kvs[0].ModRevision);
            var steps = old is null ? [entry.Step] : old.Steps.Contains(entry.Step) ? old.Steps : [.. old.Steps, entry.Step];
            var state = JournalStates.From(steps);
            var summary = new JournalSummary(
                entry.Txid,
                state,
                steps,
                old is null || entry.At < old.First ? entry.At : old.First,
                old is null || entry.At > old.Last ? entry.At : old.Last,
                old is null ? fields : old.Fields.Merge(fields),
                0);
            var compares = new List<Compare>
            {
                Compare.CreateRevision(stepKey, CompareResult.Equal, 0),
                Compare.ModRevision(summaryKey, CompareResult.Equal, old?.Revision ?? 0),
                Compare.CreateRevision(archiveKey, CompareResult.Equal, 0),
            };
            var ops = new List<KvRequest>
            {
                new PutRequest(stepKey, stepValue),
                new PutRequest(summaryKey, JournalCodec.EncodeSummary(summary)),
            };
            if (state == JournalState.InProgress)
            {
                ops.Add(new PutRequest(JournalKeys.OpenRequest(entry.Txid), Encoding.ASCII.GetBytes(summary.First.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
            else
            {
                ops.Add(new DeleteRequest(KeyRange.Single(JournalKeys.OpenRequest(entry.Txid))));
            }

            var onFailure = new List<KvRequest> { new RangeRequest(KeyRange.Single(stepKey)), new RangeRequest(KeyRange.Single(archiveKey)) { KeysOnly = true } };
            if (pending is not null)
            {
                compares.Add(Compare.ModRevision(pending.Key, CompareResult.Equal, pending.Revision));
                ops.Add(new DeleteRequest(KeyRange.Single(pending.Key)));
                onFailure.Add(new RangeRequest(KeyRange.Single(pending.Key)) { KeysOnly = true });
            }

            TxnResult txn;
            try
            {
                txn = await _store.TxnAsync(new TxnRequest(compares, ops, onFailure), cancellationToken).ConfigureAwait(false);
            }
            catch (LimitExceededException ex) when (pending is null && ex.What is "value" or "request")
            {
                // Nothing was written: say what the user can do about it.
                throw new LimitExceededException(
                    "message",
                    entry.Message.Length,
                    ex.Limit,
                    $"The message is {entry.Message.Length} bytes ({encodedLength} compressed), more than the store takes in one value ({ex.Limit} bytes), and large messages go to Volumes, which is not enabled here; enable Volumes (Volumes:Enabled) or send a smaller message.");
            }

            if (txn.Succeeded)
            {
                return new AppendResult(entry with { Revision = txn.Revision, Source = JournalSource.Primary }, Created: true, Spooled: false);
            }

            if (await ExistingAsync(entry, ((RangeResult)txn.Results[0]).Kvs, ((RangeResult)txn.Results[1]).Kvs.Count > 0, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }

            if (pending is not null && ((RangeResult)txn.Results[2]).Kvs is var records && (records.Count == 0 || records[0].ModRevision != pending.Revision))
            {
                return null;
            }

            // The summary changed under us (a concurrent step of the same request): read it again.
        }

        throw new UnavailableException($"Could not append {entry.Txid}/{entry.Step}: the request changed {MaxAttempts} times in a row.");
    }

    // When the step is there already (`stepKvs`, read with the step key) or the request is folded into history: the
    // entry that won, with its message; a ConflictException for a new step of a folded request. Null when neither.
    private async Task<AppendResult?> ExistingAsync(JournalEntry entry, IReadOnlyList<KeyValue> stepKvs, bool archived, CancellationToken cancellationToken)
    {
        if (stepKvs.Count > 0)
        {
            var stored = JournalCodec.DecodeStored(stepKvs[0].Value, stepKvs[0].ModRevision, JournalSource.Primary);
            var kept = await LargeMessages.ReadAsync(_large, stored, cancellationToken).ConfigureAwait(false)
                ?? throw new CorruptException($"The message of {entry.Txid}/{entry.Step} is lost: its large-message content '{stored.Large!.Name}' is missing.");
            return new AppendResult(kept, Created: false, Spooled: false);
        }

        if (!archived)
        {
            return null;
        }

        var request = await GetArchivedAsync(entry.Txid, cancellationToken).ConfigureAwait(false);
        if (request?.Steps.FirstOrDefault(s => s.Step == entry.Step) is { } folded
            && await LargeMessages.ReadAsync(_large, folded, cancellationToken).ConfigureAwait(false) is { } keptFolded)
        {
            return new AppendResult(keptFolded, Created: false, Spooled: false);
        }

        throw new ConflictException(
            $"Request '{entry.Txid}' is finished and folded into history (segment {request?.Segment}); it takes no new steps.");
    }

    private static bool Matches(JournalSummary s, JournalQuery q) =>
        (q.State is null || s.State == q.State)
        && (q.Step is null || s.Steps.Contains(q.Step))
        && (q.User is null || s.Fields.UserId == q.User || s.Fields.AuthUserId == q.User)
        && (q.Host is null || s.Fields.Host == q.Host)
        && (q.Resource is null || s.Fields.Resource == q.Resource)
        && (q.Verb is null || string.Equals(s.Fields.Verb, q.Verb, StringComparison.OrdinalIgnoreCase))
        && (q.From is null || s.First >= q.From)
        && (q.To is null || s.First < q.To);

    private static JournalFields FieldsOf(ReadOnlySpan<byte> message) => JournalFields.FromMessage(message);

    // The spooled entry of txid/step, or null. A secondary that cannot be read must not stop appends while the store
    // works: it is logged and treated as holding nothing.
    private JournalEntry? ReadSpooled(string txid, string step)
    {
        try
        {
            return Spool?.Read(txid, step);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSecondaryUnreadable(_logger, ex.Message);
            return null;
        }
    }

    // Removes a spooled entry the store has now; when the secondary fails, the next resync removes it.
    private void RemoveSpooled(string txid, string step)
    {
        try
        {
            Spool?.Remove(txid, step);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSecondaryUnreadable(_logger, ex.Message);
        }
    }

    // The spooled entries of a request (none when there is no secondary or it cannot be read, which is logged).
    private IReadOnlyList<JournalEntry> ReadSpooledRequest(string txid)
    {
        try
        {
            return Spool?.ReadRequest(txid) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSecondaryUnreadable(_logger, ex.Message);
            return [];
        }
    }

    // A store failure that the secondary takes over from: anything but a caller's own error or cancellation.
    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        ConflictException or InvalidArgumentException or LimitExceededException => false,
        CairnException cairn => cairn.IsTransient || cairn is RemoteException or InternalErrorException or CorruptException,
        _ => ex is not (ArgumentException or InvalidDataException),
    };

    private static UnavailableException Unsaved(string txid, string step, Exception cause) =>
        new($"Unsaved Journal entry -- {txid}##{step}", cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Count} journal entries from the secondary into the store")]
    private static partial void LogResynced(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal resync failed, will retry: {Reason}")]
    private static partial void LogResyncFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped spooled step {Txid}/{Step}: its request was already folded into history")]
    private static partial void LogDroppedLate(ILogger logger, string txid, string step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Primary store unavailable; spooling {Txid}/{Step} to the secondary ({Reason})")]
    private static partial void LogSpooling(ILogger logger, string txid, string step, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Primary store unavailable; status of {Txid} answered from the secondary ({Reason})")]
    private static partial void LogReadFromSecondary(ILogger logger, string txid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The journal secondary cannot be read: {Reason}")]
    private static partial void LogSecondaryUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The store refuses spooled step {Txid}/{Step}; it stays in the secondary: {Reason}")]
    private static partial void LogResyncRefused(ILogger logger, string txid, string step, string reason);
}
