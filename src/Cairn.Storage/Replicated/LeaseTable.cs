using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// The leases of the replicated state. The sequencer changes them (under the lock) and reads them freely (it is the
/// only writer); the lease reads of the API copy what they answer under the lock.
/// </summary>
internal sealed class LeaseTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, LeaseRecord> _leases = [];

    /// <summary>Leases held, expired or not. Sequencer only.</summary>
    public int Count => _leases.Count;

    /// <summary>Every lease, in no order. Sequencer only.</summary>
    public IEnumerable<LeaseRecord> All => _leases.Values;

    /// <summary>The lease, expired or not. Sequencer only.</summary>
    public LeaseRecord? Get(long id) => _leases.GetValueOrDefault(id);

    public void Add(LeaseRecord lease)
    {
        lock (_gate)
        {
            if (!_leases.TryAdd(lease.Id, lease))
            {
                throw new CorruptException($"The log grants lease {lease.Id}, which already exists.");
            }
        }
    }

    public void Renew(long id, long deadlineTicks)
    {
        lock (_gate)
        {
            Require(id).DeadlineTicks = deadlineTicks;
        }
    }

    public void Remove(long id)
    {
        lock (_gate)
        {
            var lease = Require(id);
            if (lease.Keys.Count != 0)
            {
                throw new CorruptException($"The log ends lease {id} while {lease.Keys.Count} keys are still attached to it.");
            }

            _leases.Remove(id);
        }
    }

    public void Attach(long id, KeyNode key)
    {
        lock (_gate)
        {
            Require(id).Keys.Add(key);
        }
    }

    public void Detach(long id, KeyNode key)
    {
        lock (_gate)
        {
            Require(id).Keys.Remove(key);
        }
    }

    /// <summary>A live lease's state, or null if it does not exist or has expired at <paramref name="nowTicks"/>.</summary>
    public LeaseInfo? Info(long id, long nowTicks, bool includeKeys)
    {
        lock (_gate)
        {
            if (!_leases.TryGetValue(id, out var lease) || lease.IsExpired(nowTicks))
            {
                return null;
            }

            IReadOnlyList<string> keys = [];
            if (includeKeys)
            {
                var nodes = lease.Keys.ToArray();
                Array.Sort(nodes, static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
                keys = nodes.Select(node => node.Head!.Kv.Key).ToArray();
            }

            return new LeaseInfo(id, lease.TtlSeconds, lease.RemainingSeconds(nowTicks), keys);
        }
    }

    /// <summary>Every live lease at <paramref name="nowTicks"/>, by id, without keys.</summary>
    public IReadOnlyList<LeaseInfo> List(long nowTicks)
    {
        lock (_gate)
        {
            return _leases.Values
                .Where(lease => !lease.IsExpired(nowTicks))
                .OrderBy(lease => lease.Id)
                .Select(lease => new LeaseInfo(lease.Id, lease.TtlSeconds, lease.RemainingSeconds(nowTicks), []))
                .ToList();
        }
    }

    /// <summary>The ids of the leases whose deadline has passed at <paramref name="nowTicks"/>.</summary>
    public List<long> Expired(long nowTicks)
    {
        lock (_gate)
        {
            return _leases.Values.Where(lease => lease.IsExpired(nowTicks)).Select(lease => lease.Id).ToList();
        }
    }

    private LeaseRecord Require(long id) =>
        _leases.TryGetValue(id, out var lease) ? lease : throw new CorruptException($"The log refers to lease {id}, which does not exist.");
}
