using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Replicated;

/// <summary>
/// The replicated keyspace's state, in memory: the keys with their versions since the compaction point
/// (<see cref="KeyIndex"/>), every revision since then (<see cref="RevisionHistory"/>), the leases, the store revision,
/// the compaction point, and the index of the last log entry applied. Entries change it only through
/// <see cref="Apply"/>, which decides nothing: it does what the entry says, so every node that applies the same entries
/// reaches the same state.
/// </summary>
/// <remarks>
/// <para>Concurrency: one writer (the node's sequencer) applies; any number of readers read at the revision they pin
/// (<see cref="Revision"/>, published only after every version of that revision is in place), without locks. A
/// reader checks <see cref="CompactRevision"/> after reading: compaction may have cut the versions of a revision it
/// pinned before.</para>
/// </remarks>
internal sealed partial class KeyspaceState
{
    // Rough costs of the objects behind a key (node, links, key bytes) and a version (version, key-value, key string,
    // value array, history slot), for the size a status reports; measured with 100,000 keys of 100-byte values.
    private const long NodeOverhead = 120;
    private const long VersionOverhead = 200;

    private long _revision;
    private long _compactRevision;
    private long _appliedIndex;
    private long _liveKeys;
    private long _bytes;

    private KeyspaceState(long revision, long compactRevision, long appliedIndex)
    {
        _revision = revision;
        _compactRevision = compactRevision;
        _appliedIndex = appliedIndex;

        // History holds the revisions from the compaction point on; revision 1 (the empty store) wrote nothing.
        History = new RevisionHistory(HistoryStart(compactRevision));
        History.Compact(compactRevision);
    }

    /// <summary>A brand-new keyspace: revision 1, nothing compacted, no entry applied.</summary>
    public static KeyspaceState Empty() => new(1, 0, 0);

    public KeyIndex Keys { get; } = new();

    public RevisionHistory History { get; }

    public LeaseTable Leases { get; } = new();

    /// <summary>The store revision: every version up to it is in place.</summary>
    public long Revision => Volatile.Read(ref _revision);

    public long CompactRevision => Volatile.Read(ref _compactRevision);

    /// <summary>The index of the last log entry applied (or that the restored snapshot was taken after).</summary>
    public long AppliedIndex => Volatile.Read(ref _appliedIndex);

    public long LiveKeys => Volatile.Read(ref _liveKeys);

    /// <summary>About how many bytes the keys, values and history take in memory.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>
    /// Applies the entry at <paramref name="index"/> (the one after <see cref="AppliedIndex"/>), adding the changes it
    /// makes, as a watch hub takes them, to <paramref name="events"/>.
    /// </summary>
    /// <exception cref="CorruptException">The entry does not fit the state (a node that diverged, or a bug): the state
    /// may be half-changed and must not be used any more.</exception>
    public void Apply(IReadOnlyList<Effect> effects, long index, List<RevisionEvent>? events)
    {
        if (index != _appliedIndex + 1)
        {
            throw new CorruptException($"Log entry {index} cannot be applied after entry {_appliedIndex}.");
        }

        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Effect.Write write:
                    ApplyWrite(write, events);
                    break;
                case Effect.LeaseGranted grant:
                    Leases.Add(new LeaseRecord(grant.Id, grant.TtlSeconds, grant.DeadlineTicks));
                    break;
                case Effect.LeaseRenewed renew:
                    Leases.Renew(renew.Id, renew.DeadlineTicks);
                    break;
                case Effect.LeaseEnded end:
                    Leases.Remove(end.Id);
                    break;
                case Effect.Compacted compact:
                    ApplyCompact(compact.Revision);
                    break;
                default:
                    throw new CorruptException($"Log entry {index} holds an effect this node cannot apply ({effect.GetType().Name}).");
            }
        }

        Volatile.Write(ref _appliedIndex, index);
    }

    // One revision: each change becomes the key's newest version. The revision is published once all are in place,
    // so a reader sees all of them or none.
    private void ApplyWrite(Effect.Write write, List<RevisionEvent>? events)
    {
        var revision = write.Revision;
        if (revision != _revision + 1 || write.Changes.Length == 0)
        {
            throw new CorruptException($"The log writes revision {revision} with {write.Changes.Length} changes after revision {_revision}.");
        }

        var versions = new KeyVersion[write.Changes.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            var change = write.Changes[i];
            var kv = change.Kv;
            var node = Keys.GetOrAdd(change.Key);
            var head = node.Head;
            var previous = head is { IsTombstone: false } ? head.Kv : null;
            Check(change, previous, head, revision);

            var version = new KeyVersion(kv, node.Key, i, head);
            node.Push(version);
            if (previous is { Lease: not 0 })
            {
                Leases.Detach(previous.Lease, node);
            }

            if (!change.IsDelete && kv.Lease != 0)
            {
                Leases.Attach(kv.Lease, node);
            }

            _liveKeys += (previous, change.IsDelete) switch
            {
                (null, false) => 1,
                (not null, true) => -1,
                _ => 0,
            };
            _bytes += VersionBytes(kv) + (head is null ? NodeOverhead + node.Key.Length : 0);
            versions[i] = version;
            events?.Add(new RevisionEvent(revision, new WatchEvent(change.IsDelete ? WatchEventType.Delete : WatchEventType.Put, kv, previous), node.Key));
        }

        History.Add(revision, versions);
        Volatile.Write(ref _revision, revision);
    }

    // What evaluation guarantees, checked again: a node whose state differs from the writer's stops here instead of
    // serving a state no other node has.
    private static void Check(KeyChange change, KeyValue? previous, KeyVersion? head, long revision)
    {
        var kv = change.Kv;
        var consistent = kv.ModRevision == revision
            && head?.Revision != revision
            && (change.IsDelete
                ? previous is not null
                : kv.Version == (previous?.Version ?? 0) + 1 && kv.CreateRevision == (previous?.CreateRevision ?? revision));
        if (!consistent)
        {
            throw new CorruptException($"The log's change of '{kv.Key}' at revision {revision} does not follow from this node's state (version {previous?.Version ?? 0}); the node has diverged.");
        }
    }

    // Drops history below the compaction point: the revisions, and in each key's chain every version older than the
    // newest one at or below the point (reads at the point need it; if it is at the point, the one before it too, as
    // its previous key-value), or the whole key when that one is a delete before the point.
    private void ApplyCompact(long compactRevision)
    {
        if (compactRevision <= _compactRevision || compactRevision > _revision)
        {
            throw new CorruptException($"The log compacts to revision {compactRevision}, outside ({_compactRevision}, {_revision}].");
        }

        // Raised before any version is cut: a reader that finds a cut chain sees the new point when it checks.
        Volatile.Write(ref _compactRevision, compactRevision);
        Interlocked.MemoryBarrier();
        History.Compact(compactRevision);

        var node = Keys.First;
        while (node is not null)
        {
            var following = node.Following;
            KeyVersion? newer = null;
            var version = node.Head;
            while (version is not null && version.Revision > compactRevision)
            {
                newer = version;
                version = version.Older;
            }

            if (version is { IsTombstone: true } && version.Revision < compactRevision)
            {
                // Deleted before the point: nobody can read it any more (revisions at and after the point see no key).
                _bytes -= ChainBytes(version);
                if (newer is null)
                {
                    _bytes -= NodeOverhead + node.Key.Length;
                    Keys.Remove(node);
                }
                else
                {
                    newer.Cut();
                }
            }
            else if ((version?.Revision == compactRevision ? version.Older : version) is { Older: { } older } kept)
            {
                // A change at the point itself keeps the version before it: a watch from the point gets its previous
                // key-value from history as from memory, on every node.
                _bytes -= ChainBytes(older);
                kept.Cut();
            }

            node = following;
        }
    }

    private static long HistoryStart(long compactRevision) => Math.Max(compactRevision, 2);

    private static long VersionBytes(KeyValue kv) => VersionOverhead + kv.Value.Length + (2L * kv.Key.Length);

    private static long ChainBytes(KeyVersion? version)
    {
        long bytes = 0;
        for (; version is not null; version = version.Older)
        {
            bytes += VersionBytes(version.Kv);
        }

        return bytes;
    }
}
