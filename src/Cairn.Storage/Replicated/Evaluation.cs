using System.Text;
using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// Evaluates requests one after another against the state at a revision plus the changes of the requests evaluated
/// before them, deciding everything (revisions, versions, lease ids and deadlines, which keys a delete or a revoke
/// takes) and recording it as <see cref="Effects"/>: what a log entry carries. The state itself is not touched; it
/// changes only when the entry is applied.
/// </summary>
/// <remarks>
/// <para>Each request's rules are those of the SQLite backend: a request that writes takes the next revision (a txn
/// all its writes in one), a delete of nothing, a txn whose branch does not write, a grant and a keep-alive take none;
/// a request that fails leaves nothing behind, and the next one sees the state as if it had never been.</para>
/// <para>Without an overlay (read-only), it evaluates read-only txns for the API, on any thread, at a revision the
/// reader pinned.</para>
/// </remarks>
internal sealed class Evaluation
{
    // Random lease ids stay below 2^53, so that JSON clients reading numbers as doubles keep them exact (as SQLite).
    private const long MaxGeneratedLeaseId = 1L << 53;

    private readonly KeyspaceState _state;
    private readonly long _baseRevision;
    private readonly long _now;
    private readonly Overlay? _overlay;
    private readonly Dictionary<long, LeaseView?> _leases = [];
    private readonly List<Effect> _effects = [];
    private readonly List<Effect> _requestEffects = [];
    private readonly List<KeyChange> _changes = [];
    private readonly List<(OverlayKey Key, bool Added)> _undo = [];
    private readonly List<(long Id, bool Present, LeaseView? Before)> _leaseUndo = [];
    private long _compactMark;

    /// <param name="state">The state, at <paramref name="baseRevision"/> for this evaluation.</param>
    /// <param name="baseRevision">The revision read: the state's current one on the sequencer, a pinned one elsewhere.</param>
    /// <param name="compactRevision">The compaction point at that revision.</param>
    /// <param name="nowTicks">The evaluating node's clock (UTC ticks), for lease deadlines.</param>
    /// <param name="writable">False for read-only txns off the sequencer.</param>
    public Evaluation(KeyspaceState state, long baseRevision, long compactRevision, long nowTicks, bool writable)
    {
        _state = state;
        _baseRevision = baseRevision;
        _now = nowTicks;
        _overlay = writable ? new Overlay() : null;
        Revision = baseRevision;
        CompactRevision = compactRevision;
        LowestRevisionRead = baseRevision;
    }

    /// <summary>The revision after the requests evaluated so far.</summary>
    public long Revision { get; private set; }

    public long CompactRevision { get; private set; }

    /// <summary>What the requests kept did, in order: the content of the entry.</summary>
    public IReadOnlyList<Effect> Effects => _effects;

    /// <summary>The lowest revision read from the state; a reader compares it with the compaction point afterwards.</summary>
    public long LowestRevisionRead { get; private set; }

    /// <summary>Evaluates <paramref name="request"/>, leaving its result or error on it.</summary>
    public void Run(WriteRequest request)
    {
        Begin();
        try
        {
            request.Result = request.Kind switch
            {
                WriteKind.Put => Put((PutRequest)request.Request!),
                WriteKind.Delete => Delete((DeleteRequest)request.Request!),
                WriteKind.Txn => Txn((TxnRequest)request.Request!),
                WriteKind.Compact => Compact(request.Number),
                WriteKind.Grant => Grant(request.TtlSeconds, request.Number),
                WriteKind.KeepAlive => KeepAlive(request.Number),
                WriteKind.Revoke => Revoke(request.Number, onlyIfExpired: false),
                WriteKind.Expire => Revoke(request.Number, onlyIfExpired: true),
                _ => throw new InvalidOperationException($"Unknown write {request.Kind}."),
            };
            request.Error = null;
            End(keep: true);
        }
        catch (Exception ex)
        {
            request.Result = null;
            request.Error = ex;
            End(keep: false);
        }
    }

    /// <summary>Runs a txn: compares, then the ops of the branch they choose, reads seeing the txn's earlier writes.</summary>
    public TxnResult Txn(TxnRequest txn)
    {
        var current = Revision;
        var succeeded = true;
        foreach (var compare in txn.Compares)
        {
            if (!compare.Evaluate(Latest(Encoding.UTF8.GetBytes(compare.Key))))
            {
                succeeded = false;
                break;
            }
        }

        var ops = succeeded ? txn.Success : txn.Failure;
        var results = new List<KvResult>(ops.Count);
        foreach (var op in ops)
        {
            results.Add(op switch
            {
                RangeRequest range => RangeInTxn(range, current),
                PutRequest put => Put(put),
                DeleteRequest delete => Delete(delete),
                _ => throw new InvalidArgumentException($"Unsupported txn op {op.GetType().Name}."),
            });
        }

        // Every result of a txn reports the txn's revision, as etcd's response header does.
        var revision = _changes.Count > 0 ? current + 1 : current;
        for (var i = 0; i < results.Count; i++)
        {
            results[i] = results[i] with { Revision = revision };
        }

        return new TxnResult(revision, succeeded, results);
    }

    private void Begin()
    {
        _changes.Clear();
        _requestEffects.Clear();
        _undo.Clear();
        _leaseUndo.Clear();
        _compactMark = CompactRevision;
    }

    private void End(bool keep)
    {
        if (keep)
        {
            if (_changes.Count > 0)
            {
                Revision++;
                _effects.Add(new Effect.Write(Revision, [.. _changes]));
            }

            _effects.AddRange(_requestEffects);
            return;
        }

        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var (key, added) = _undo[i];
            key.Changes.RemoveAt(key.Changes.Count - 1);
            if (added)
            {
                _overlay!.Remove(key);
            }
        }

        for (var i = _leaseUndo.Count - 1; i >= 0; i--)
        {
            var (id, present, before) = _leaseUndo[i];
            if (present)
            {
                _leases[id] = before;
            }
            else
            {
                _leases.Remove(id);
            }
        }

        CompactRevision = _compactMark;
    }

    private PutResult Put(PutRequest put)
    {
        if (put.Lease != 0)
        {
            RequireLiveLease(put.Lease);
        }

        var key = Encoding.UTF8.GetBytes(put.Key);
        var previous = Latest(key);
        var revision = Revision + 1;
        var kv = new KeyValue(put.Key, put.Value.ToArray(), previous?.CreateRevision ?? revision, revision, (previous?.Version ?? 0) + 1, put.Lease);
        Record(key, kv);
        return new PutResult(revision, put.PrevKv ? previous : null);
    }

    private DeleteResult Delete(DeleteRequest delete)
    {
        // Values are read even when the caller does not want them: watchers may ask for each event's previous value.
        var kvs = new List<KeyValue>();
        var keys = new List<byte[]>();
        RangeReader.Scan(_state.Keys, _baseRevision, _overlay, delete.Range, long.MaxValue, kvs, keys);
        var revision = Revision + 1;
        for (var i = 0; i < kvs.Count; i++)
        {
            Record(keys[i], Tombstone(kvs[i].Key, revision));
        }

        return new DeleteResult(kvs.Count > 0 ? revision : Revision, kvs.Count, delete.PrevKvs ? kvs : []);
    }

    // A read inside a txn sees the txn's earlier writes when it reads the latest (revision 0); those writes belong to
    // the next revision, so a read at an explicit revision does not see them.
    private RangeResult RangeInTxn(RangeRequest range, long current)
    {
        var at = Revisions.Resolve(range.Revision, current, CompactRevision);
        var latest = _changes.Count > 0 ? current + 1 : current;
        LowestRevisionRead = Math.Min(LowestRevisionRead, at);
        return RangeReader.Range(_state.Keys, _baseRevision, _overlay, range, range.Revision == 0 ? long.MaxValue : at, latest);
    }

    private CompactResult Compact(long revision)
    {
        if (revision <= CompactRevision)
        {
            throw new CompactedException(revision, CompactRevision);
        }

        if (revision > Revision)
        {
            throw new FutureRevisionException(revision, Revision);
        }

        CompactRevision = revision;
        _requestEffects.Add(new Effect.Compacted(revision));
        return new CompactResult(Revision, revision);
    }

    private LeaseGrant Grant(long ttlSeconds, long id)
    {
        if (id == 0)
        {
            // Random ids, as etcd: a client that lost track of its lease cannot guess another client's.
            do
            {
                id = Random.Shared.NextInt64(1, MaxGeneratedLeaseId);
            }
            while (TryGetLease(id, out _));
        }
        else if (TryGetLease(id, out _))
        {
            throw new InvalidArgumentException($"Lease {id} already exists; choose another id or let the store choose (0).");
        }

        var deadline = _now + (ttlSeconds * TimeSpan.TicksPerSecond);
        SetLease(id, new LeaseView(ttlSeconds, deadline));
        _requestEffects.Add(new Effect.LeaseGranted(id, ttlSeconds, deadline));
        return new LeaseGrant(id, ttlSeconds, Revision);
    }

    private LeaseInfo KeepAlive(long id)
    {
        if (!TryGetLease(id, out var lease) || lease.DeadlineTicks <= _now)
        {
            throw new LeaseNotFoundException(id);
        }

        var deadline = _now + (lease.TtlSeconds * TimeSpan.TicksPerSecond);
        SetLease(id, lease with { DeadlineTicks = deadline });
        _requestEffects.Add(new Effect.LeaseRenewed(id, deadline));
        return new LeaseInfo(id, lease.TtlSeconds, lease.TtlSeconds, []);
    }

    // Deletes the lease's keys in one revision and ends the lease. The sweeper's expiry (onlyIfExpired) does nothing
    // when the lease is gone or was renewed meanwhile: a keep-alive evaluated before it wins.
    private object Revoke(long id, bool onlyIfExpired)
    {
        if (!TryGetLease(id, out var lease))
        {
            return onlyIfExpired ? Revision : throw new LeaseNotFoundException(id);
        }

        if (onlyIfExpired && lease.DeadlineTicks > _now)
        {
            return Revision;
        }

        var keys = LeaseKeys(id);
        var revision = Revision + 1;
        foreach (var (key, kv) in keys)
        {
            Record(key, Tombstone(kv.Key, revision));
        }

        SetLease(id, null);
        _requestEffects.Add(new Effect.LeaseEnded(id));
        return keys.Count > 0 ? revision : Revision;
    }

    // The live keys attached to the lease now: the state's, as the batch left them, and those the batch attached.
    private List<(byte[] Key, KeyValue Kv)> LeaseKeys(long id)
    {
        var keys = new List<(byte[] Key, KeyValue Kv)>();
        var record = _state.Leases.Get(id);
        if (record is not null)
        {
            foreach (var node in record.Keys)
            {
                if (Latest(node.Key) is { } kv && kv.Lease == id)
                {
                    keys.Add((node.Key, kv));
                }
            }
        }

        for (var i = 0; i < (_overlay?.Count ?? 0); i++)
        {
            var changed = _overlay![i];
            if (changed.TryAt(long.MaxValue, out var kv) && kv is not null && kv.Lease == id
                && !(record is not null && _state.Keys.Find(changed.Key) is { } node && record.Keys.Contains(node)))
            {
                keys.Add((changed.Key, kv));
            }
        }

        keys.Sort(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        return keys;
    }

    private void RequireLiveLease(long id)
    {
        if (!TryGetLease(id, out var lease) || lease.DeadlineTicks <= _now)
        {
            throw new LeaseNotFoundException(id);
        }
    }

    private bool TryGetLease(long id, out LeaseView lease)
    {
        if (_leases.TryGetValue(id, out var changed))
        {
            lease = changed.GetValueOrDefault();
            return changed.HasValue;
        }

        if (_state.Leases.Get(id) is { } record)
        {
            lease = new LeaseView(record.TtlSeconds, record.DeadlineTicks);
            return true;
        }

        lease = default;
        return false;
    }

    private void SetLease(long id, LeaseView? lease)
    {
        _leaseUndo.Add((id, _leases.TryGetValue(id, out var before), before));
        _leases[id] = lease;
    }

    // The key as the requests so far (this one included) left it.
    private KeyValue? Latest(byte[] key) => RangeReader.Get(_state.Keys, _baseRevision, _overlay, key, long.MaxValue);

    private void Record(byte[] key, KeyValue kv)
    {
        var changed = _overlay!.GetOrAdd(key, out var added);
        changed.Changes.Add(kv);
        _undo.Add((changed, added));
        _changes.Add(new KeyChange(changed.Key, kv));
    }

    private static KeyValue Tombstone(string key, long revision) => new(key, ReadOnlyMemory<byte>.Empty, 0, revision, 0, 0);

    private readonly record struct LeaseView(long TtlSeconds, long DeadlineTicks);
}
