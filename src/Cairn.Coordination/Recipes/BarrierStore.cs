using System.Globalization;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Barriers on the keyspace: a simple barrier (held while its key exists; waiters watch that key), and a double
/// barrier whose rounds let through exactly <c>count</c> participants at once, enter and leave.
/// </summary>
/// <remarks>
/// <para>Keys under <c>/cairn/barriers/&lt;name&gt;/</c>: <c>hold</c> (the simple barrier); <c>double</c>, the double
/// barrier's record (the round filling now, its count and who has entered it), rewritten by compare-and-set at every
/// entry; <c>sealed</c>, the last round that filled, which the waiters of a round watch (one wake each); and
/// <c>r/&lt;round&gt;/&lt;participant&gt;</c>, a participant's key under its session's lease.</para>
/// <para>A round fills with exactly <c>count</c> entries, and the entry that fills it seals it and opens the next round
/// in the same transaction, so an arrival after that is counted in the next round and never passes with this one. An
/// entry whose participant's key is gone (its session ended) is dropped from the record by the next entry.</para>
/// <para>Leaving is ZooKeeper's double-barrier recipe: the participant created first stays until every other one has
/// gone, watching the newest; every other deletes its key and watches the first. Everyone wakes once at the end, the
/// first once per departure it waits out.</para>
/// <para>Concurrency: safe from any thread; every step that races is one transaction.</para>
/// </remarks>
public sealed class BarrierStore(IKeyspace store)
{
    /// <summary>Most participants of a double barrier's round.</summary>
    public const int MaxCount = 10_000;

    // Above this many entries, the entry txn no longer checks every earlier participant's key (a txn's compares are
    // bounded); an entry whose session ended meanwhile is then dropped by a later entry instead.
    private const int MaxLivenessCompares = 100;

    private readonly IKeyspace _store = store;

    /// <summary>Where barriers live.</summary>
    public const string Prefix = "/cairn/barriers/";

    /// <summary>Holds the simple barrier (idempotent).</summary>
    public async Task<BarrierStateDto> HoldAsync(string name, CancellationToken cancellationToken = default)
    {
        var keys = new BarrierKeys(name);
        var txn = new TxnRequest(
            [Compare.CreateRevision(keys.Hold, CompareResult.Equal, 0)],
            [new PutRequest(keys.Hold, ReadOnlyMemory<byte>.Empty)],
            []);
        await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        return await ReadStateAsync(name, keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases it, letting every waiter through; false when it was not held.</summary>
    public async Task<bool> ReleaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var keys = new BarrierKeys(name);
        var result = await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(keys.Hold)), cancellationToken).ConfigureAwait(false);
        return result.Deleted > 0;
    }

    /// <summary>Waits until the simple barrier is not held; false when <paramref name="wait"/> ran out first.</summary>
    public async Task<bool> WaitAsync(string name, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var keys = new BarrierKeys(name);
        var limit = RecipeSupport.CheckWait("wait", wait);
        using var scope = new RecipeSupport.WaitScope(limit, cancellationToken);
        try
        {
            while (true)
            {
                var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(keys.Hold)) { KeysOnly = true }, scope.Token).ConfigureAwait(false);
                if (read.Kvs.Count == 0)
                {
                    return true;
                }

                if (scope.OnlyTry)
                {
                    return false;
                }

                var released = await RecipeSupport.WaitForChangeAsync(
                    _store, KeyRange.Single(keys.Hold), read.Revision + 1, e => e.Type == WatchEventType.Delete, scope.Token).ConfigureAwait(false);
                if (released is not null)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            return false;
        }
    }

    /// <summary>The barrier's state (simple, and the double barrier's current round).</summary>
    public Task<BarrierStateDto> GetAsync(string name, CancellationToken cancellationToken = default) =>
        ReadStateAsync(name, new BarrierKeys(name), cancellationToken);

    /// <summary>Enters the double barrier's current round and waits until it has <see cref="EnterBarrierDto.Count"/>
    /// participants; a later arrival waits for the next round. Null when <see cref="EnterBarrierDto.WaitSeconds"/> ran out
    /// (the participant is withdrawn).</summary>
    /// <exception cref="ConflictException">The round takes another count.</exception>
    /// <exception cref="LeaseNotFoundException">The session is gone.</exception>
    public async Task<BarrierEntryDto?> EnterAsync(string name, EnterBarrierDto request, CancellationToken cancellationToken = default)
    {
        var keys = new BarrierKeys(name);
        ArgumentNullException.ThrowIfNull(request);
        RecipeSupport.CheckLease(request.Lease);
        if (request.Count < 2 || request.Count > MaxCount)
        {
            throw new InvalidArgumentException($"count is how many participants a round takes, 2 to {MaxCount}; got {request.Count}.");
        }

        var wait = RecipeSupport.CheckWaitSeconds(request.WaitSeconds);
        var entry = new BarrierEntryDto { Name = name, Participant = RecipeSupport.NewId(request.Lease), Count = request.Count, Lease = request.Lease };

        // One txn enters: the record gains the entry (or, with the count-th, moves on to the next round, and the round is
        // sealed), and the participant's key is created under its lease.
        long revision;
        while (true)
        {
            var (record, recordRevision, live, _) = await ReadDoubleAsync(keys, cancellationToken).ConfigureAwait(false);
            var entered = record.Entered.Where(live.Contains).ToList();
            if (entered.Count > 0 && record.Count != request.Count)
            {
                throw new ConflictException(
                    $"Round {record.Round} of the barrier '{name}' takes {record.Count} participants, and {entered.Count} have entered it; cannot enter it for {request.Count}.");
            }

            entry.Round = record.Round;
            entered.Add(entry.Participant);
            var seals = entered.Count == request.Count;
            var next = seals
                ? new DoubleBarrierRecord { Round = record.Round + 1, Count = request.Count }
                : new DoubleBarrierRecord { Round = record.Round, Count = request.Count, Entered = entered };
            var compares = new List<Compare> { Compare.ModRevision(keys.Double, CompareResult.Equal, recordRevision) };
            if (entered.Count - 1 <= MaxLivenessCompares)
            {
                compares.AddRange(entered.Take(entered.Count - 1).Select(p => Compare.Version(keys.Participant(record.Round, p), CompareResult.Greater, 0)));
            }

            var ops = new List<KvRequest>
            {
                new PutRequest(keys.Double, next.ToBytes()),
                new PutRequest(keys.Participant(record.Round, entry.Participant), ReadOnlyMemory<byte>.Empty) { Lease = request.Lease },
            };
            if (seals)
            {
                ops.Add(new PutRequest(keys.Sealed, Encoding.UTF8.GetBytes(record.Round.ToString(CultureInfo.InvariantCulture))));
            }

            // Not cancelled in flight: an entry abandoned mid-txn may still commit, and nobody would withdraw it.
            cancellationToken.ThrowIfCancellationRequested();
            var result = await _store.TxnAsync(new TxnRequest(compares, ops, []), CancellationToken.None).ConfigureAwait(false);
            if (result.Succeeded)
            {
                if (seals)
                {
                    return entry;
                }

                revision = result.Revision;
                break;
            }
        }

        // Wait for the count-th entry: it writes the round into the sealed key.
        using var scope = new RecipeSupport.WaitScope(wait, cancellationToken);
        try
        {
            while (!scope.OnlyTry)
            {
                var filled = await RecipeSupport.WaitForChangeAsync(
                    _store, KeyRange.Single(keys.Sealed), revision + 1, e => e.Type == WatchEventType.Put && SealedRound(e.Kv) >= entry.Round, scope.Token).ConfigureAwait(false);
                if (filled is null)
                {
                    // History compacted under the watch: look at the sealed round now.
                    var now = await _store.RangeAsync(new RangeRequest(KeyRange.Single(keys.Sealed)), scope.Token).ConfigureAwait(false);
                    if (now.Kvs.Count == 0 || SealedRound(now.Kvs[0]) < entry.Round)
                    {
                        revision = now.Revision;
                        continue;
                    }
                }

                var mine = await _store.RangeAsync(new RangeRequest(KeyRange.Single(keys.Participant(entry.Round, entry.Participant))) { KeysOnly = true }, scope.Token).ConfigureAwait(false);
                if (mine.Kvs.Count == 0)
                {
                    // Dropped from the round (its session ended) before it filled.
                    throw await RecipeSupport.VanishedAsync(_store, request.Lease, "barrier entry", scope.Token).ConfigureAwait(false);
                }

                return entry;
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            // Fall through: withdraw, unless the round filled first.
        }
        catch
        {
            await WithdrawAsync(keys, entry, keepIfPassed: false).ConfigureAwait(false);
            throw;
        }

        return await WithdrawAsync(keys, entry, keepIfPassed: true).ConfigureAwait(false) ? null : entry;
    }

    /// <summary>Leaves the round and waits until every participant of it has left; false when <paramref name="wait"/> ran out.</summary>
    /// <remarks>Leaving a round that has not filled yet withdraws the entry, and returns at once.</remarks>
    public async Task<bool> LeaveAsync(string name, BarrierEntryDto entry, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var keys = new BarrierKeys(name);
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Round < 1 || !RecipeSupport.IsId(entry.Participant))
        {
            throw new InvalidArgumentException($"The entry must be one that entering the barrier returned (a round from 1 and its participant id); got round {entry.Round}, participant '{entry.Participant}'.");
        }

        var limit = RecipeSupport.CheckWait("wait", wait);
        var (record, _, _, _) = await ReadDoubleAsync(keys, cancellationToken).ConfigureAwait(false);
        if (record.Round <= entry.Round)
        {
            await WithdrawAsync(keys, entry, keepIfPassed: false).ConfigureAwait(false);
            return true;
        }

        var round = keys.Round(entry.Round);
        var own = keys.Participant(entry.Round, entry.Participant);
        using var scope = new RecipeSupport.WaitScope(limit, cancellationToken);
        try
        {
            while (true)
            {
                var (left, revision) = await RecipeSupport.ReadQueueAsync(_store, round, scope.Token).ConfigureAwait(false);
                var mine = left.FindIndex(kv => kv.Key == own);
                string watched;
                if (left.Count == 0)
                {
                    return true;
                }
                else if (mine < 0)
                {
                    watched = left[0].Key;
                }
                else if (left.Count == 1)
                {
                    await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(own)), scope.Token).ConfigureAwait(false);
                    return true;
                }
                else if (mine == 0)
                {
                    watched = left[^1].Key;
                }
                else
                {
                    await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(own)), scope.Token).ConfigureAwait(false);
                    watched = left[0].Key;
                }

                if (scope.OnlyTry)
                {
                    await DeleteParticipantAsync(own).ConfigureAwait(false);
                    return false;
                }

                await RecipeSupport.WaitForChangeAsync(_store, KeyRange.Single(watched), revision + 1, null, scope.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            await DeleteParticipantAsync(own).ConfigureAwait(false);
            return false;
        }
        catch
        {
            await DeleteParticipantAsync(own).ConfigureAwait(false);
            throw;
        }
    }

    // Takes an entry out of a round that has not filled (true), or, when the round filled first (false: it had passed),
    // deletes its key unless asked to keep it. Whatever the caller's cancellation.
    private async Task<bool> WithdrawAsync(BarrierKeys keys, BarrierEntryDto entry, bool keepIfPassed)
    {
        var own = keys.Participant(entry.Round, entry.Participant);
        try
        {
            while (true)
            {
                var (record, recordRevision, _, _) = await ReadDoubleAsync(keys, CancellationToken.None).ConfigureAwait(false);
                var passed = record.Round > entry.Round;
                if (passed || !record.Entered.Contains(entry.Participant))
                {
                    if (!(passed && keepIfPassed))
                    {
                        await DeleteParticipantAsync(own).ConfigureAwait(false);
                    }

                    return !passed;
                }

                var next = new DoubleBarrierRecord { Round = record.Round, Count = record.Count, Entered = record.Entered.Where(p => p != entry.Participant).ToList() };
                var txn = new TxnRequest(
                    [Compare.ModRevision(keys.Double, CompareResult.Equal, recordRevision)],
                    [new PutRequest(keys.Double, next.ToBytes()), new DeleteRequest(KeyRange.Single(own))],
                    []);
                if ((await _store.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false)).Succeeded)
                {
                    return true;
                }
            }
        }
        catch (CairnException)
        {
            // Out of reach: the key goes with its lease, and the next entry drops it from the record.
            return true;
        }
    }

    private async Task DeleteParticipantAsync(string key)
    {
        try
        {
            await _store.DeleteAsync(new DeleteRequest(KeyRange.Single(key)), CancellationToken.None).ConfigureAwait(false);
        }
        catch (CairnException)
        {
            // It goes with its lease.
        }
    }

    // The record (a fresh round 1 when there is none), its mod revision (0: none), the participants of its round whose
    // keys exist, and the revision read — one snapshot.
    private async Task<(DoubleBarrierRecord Record, long ModRevision, HashSet<string> Live, long Revision)> ReadDoubleAsync(BarrierKeys keys, CancellationToken cancellationToken)
    {
        var read = await _store.TxnAsync(
            new TxnRequest([], [new RangeRequest(KeyRange.Single(keys.Double)), new RangeRequest(KeyRange.Prefix(keys.Rounds)) { KeysOnly = true }], []),
            cancellationToken).ConfigureAwait(false);
        var kvs = ((RangeResult)read.Results[0]).Kvs;
        var kv = kvs.Count > 0 ? kvs[0] : null;
        var record = kv is null ? new DoubleBarrierRecord { Round = 1 } : DoubleBarrierRecord.Parse(kv.Value.Span, keys.Double);
        var round = keys.Round(record.Round);
        var live = ((RangeResult)read.Results[1]).Kvs
            .Where(p => p.Key.StartsWith(round, StringComparison.Ordinal))
            .Select(p => p.Key[round.Length..])
            .ToHashSet(StringComparer.Ordinal);
        return (record, kv?.ModRevision ?? 0, live, read.Revision);
    }

    private async Task<BarrierStateDto> ReadStateAsync(string name, BarrierKeys keys, CancellationToken cancellationToken)
    {
        var read = await _store.TxnAsync(
            new TxnRequest([], [new RangeRequest(KeyRange.Single(keys.Hold)) { KeysOnly = true }, new RangeRequest(KeyRange.Single(keys.Double))], []),
            cancellationToken).ConfigureAwait(false);
        var held = ((RangeResult)read.Results[0]).Kvs.Count > 0;
        var kvs = ((RangeResult)read.Results[1]).Kvs;
        var kv = kvs.Count > 0 ? kvs[0] : null;
        var record = kv is null ? null : DoubleBarrierRecord.Parse(kv.Value.Span, keys.Double);
        return new BarrierStateDto { Name = name, Held = held, Round = record?.Round, Participants = record?.Entered, Revision = read.Revision };
    }

    private static long SealedRound(KeyValue kv) =>
        long.TryParse(Encoding.UTF8.GetString(kv.Value.Span), NumberStyles.None, CultureInfo.InvariantCulture, out var round) ? round : 0;

    // A barrier's keys.
    private sealed class BarrierKeys
    {
        public BarrierKeys(string name)
        {
            var root = Prefix + CoordinationNames.Check("barrier name", name) + "/";
            Hold = root + "hold";
            Double = root + "double";
            Sealed = root + "sealed";
            Rounds = root + "r/";
        }

        public string Hold { get; }

        public string Double { get; }

        public string Sealed { get; }

        public string Rounds { get; }

        public string Round(long round) => Rounds + round.ToString(CultureInfo.InvariantCulture) + "/";

        public string Participant(long round, string participant) => Round(round) + participant;
    }
}
