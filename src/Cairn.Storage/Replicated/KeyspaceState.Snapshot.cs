using System.Buffers;
using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <remarks>
/// <para>Snapshot format version 1, in <see cref="WireWriter"/>'s primitives:</para>
/// <code>
/// byte 1 | varint revision | varint compact revision
/// varint leases | (varint id | varint ttl | int64 deadline)*
/// varint keys   | (bytes key | varint versions | version*)*   keys in byte order, versions oldest first
/// version: byte 0 put | varint mod | varint sub | bytes value | varint create | varint version | varint lease
///       or byte 1 delete | varint mod | varint sub
/// </code>
/// <para>The history of revisions is not written: it is every version at or after the compaction point, ordered by
/// revision and position, and is rebuilt from the chains. The compaction point's own revision may have no version left
/// (<see cref="WriteImportSnapshot"/>: the change a restored snapshot was taken after may be a delete, or a key it left
/// out); every revision after it has one.</para>
/// </remarks>
internal sealed partial class KeyspaceState
{
    public const byte SnapshotFormatVersion = 1;

    private const byte PutVersion = 0;
    private const byte DeleteVersion = 1;

    /// <summary>The whole state as a snapshot. Sequencer only (the state must not change meanwhile).</summary>
    public byte[] WriteSnapshot()
    {
        var writer = new ArrayBufferWriter<byte>(Math.Max(256, (int)Math.Min(Bytes, int.MaxValue / 2)));
        writer.WriteByte(SnapshotFormatVersion);
        writer.WriteVarint(_revision);
        writer.WriteVarint(_compactRevision);
        writer.WriteVarint(Leases.Count);
        foreach (var lease in Leases.All.OrderBy(lease => lease.Id))
        {
            writer.WriteVarint(lease.Id);
            writer.WriteVarint(lease.TtlSeconds);
            writer.WriteInt64(lease.DeadlineTicks);
        }

        writer.WriteVarint(Keys.Count);
        var chain = new List<KeyVersion>();
        for (var node = Keys.First; node is not null; node = node.Following)
        {
            writer.WriteBytes(node.Key);
            chain.Clear();
            for (var version = node.Head; version is not null; version = version.Older)
            {
                chain.Add(version);
            }

            writer.WriteVarint(chain.Count);
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                var version = chain[i];
                var kv = version.Kv;
                writer.WriteByte(version.IsTombstone ? DeleteVersion : PutVersion);
                writer.WriteVarint(kv.ModRevision);
                writer.WriteVarint(version.Sub);
                if (!version.IsTombstone)
                {
                    writer.WriteBytes(kv.Value.Span);
                    writer.WriteVarint(kv.CreateRevision);
                    writer.WriteVarint(kv.Version);
                    writer.WriteVarint(kv.Lease);
                }
            }
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The state a snapshot holds, as after the log entry <paramref name="index"/>.</summary>
    /// <exception cref="CorruptException">The snapshot is malformed or of a format version this node does not read.</exception>
    public static KeyspaceState ReadSnapshot(ReadOnlySpan<byte> snapshot, long index)
    {
        var reader = new WireReader(snapshot, "snapshot");
        var format = reader.ReadByte();
        if (format != SnapshotFormatVersion)
        {
            throw new CorruptException($"The log's snapshot has format version {format}; this node reads version {SnapshotFormatVersion} only. Upgrade it to the version of the node that wrote the snapshot.");
        }

        var revision = reader.ReadVarint();
        var compact = reader.ReadVarint();
        if (revision < 1 || compact > revision)
        {
            throw reader.Malformed($"revision {revision} with compaction point {compact}");
        }

        var state = new KeyspaceState(revision, compact, index);
        var leases = reader.ReadCount();
        for (var i = 0; i < leases; i++)
        {
            state.Leases.Add(new LeaseRecord(reader.ReadVarint(), reader.ReadVarint(), reader.ReadInt64()));
        }

        var start = HistoryStart(compact);
        var history = new List<KeyVersion>();
        var keys = reader.ReadCount();
        byte[]? previousKey = null;
        for (var i = 0; i < keys; i++)
        {
            var key = reader.ReadBytes().ToArray();
            if (previousKey is not null && previousKey.AsSpan().SequenceCompareTo(key) >= 0)
            {
                throw reader.Malformed("keys out of order");
            }

            previousKey = key;
            var text = LogEntry.DecodeKey(key, ref reader);
            var node = state.Keys.GetOrAdd(key);
            state._bytes += NodeOverhead + key.Length;
            var versions = reader.ReadCount();
            if (versions == 0)
            {
                throw reader.Malformed($"key '{text}' without versions");
            }

            for (var v = 0; v < versions; v++)
            {
                var version = ReadVersion(ref reader, node, text, revision);
                node.Push(version);
                state._bytes += VersionBytes(version.Kv);
                if (version.Revision >= start)
                {
                    history.Add(version);
                }
            }

            if (node.Head is { IsTombstone: false, Kv: var live })
            {
                state._liveKeys++;
                if (live.Lease != 0)
                {
                    state.Leases.Attach(live.Lease, node);
                }
            }
        }

        if (!reader.AtEnd)
        {
            throw reader.Malformed("bytes after the last key");
        }

        state.RebuildHistory(history, start, ref reader);
        return state;
    }

    /// <summary>
    /// A snapshot of a state that holds exactly <paramref name="keys"/> (one version each, with their own revisions) at
    /// store revision and compaction point <paramref name="revision"/>, and <paramref name="leases"/>: a restore's
    /// starting point. Read back before it is returned, so what it writes is what a node will load.
    /// </summary>
    /// <param name="revision">The store revision, at least every key's mod revision.</param>
    /// <param name="leases">(id, TTL, deadline in UTC ticks) of each lease.</param>
    /// <param name="keys">The keys, checked by the caller, each once.</param>
    /// <exception cref="CorruptException">The parts do not make a state (a bug of the caller's checks).</exception>
    public static byte[] WriteImportSnapshot(long revision, IReadOnlyList<(long Id, long TtlSeconds, long DeadlineTicks)> leases, IReadOnlyList<KeyValue> keys)
    {
        var writer = new ArrayBufferWriter<byte>(256 + keys.Sum(kv => 64 + (2 * kv.Key.Length) + kv.Value.Length));
        writer.WriteByte(SnapshotFormatVersion);
        writer.WriteVarint(revision);
        writer.WriteVarint(revision);
        writer.WriteVarint(leases.Count);
        foreach (var (id, ttl, deadline) in leases.OrderBy(lease => lease.Id))
        {
            writer.WriteVarint(id);
            writer.WriteVarint(ttl);
            writer.WriteInt64(deadline);
        }

        var sorted = keys.Select(kv => (Bytes: System.Text.Encoding.UTF8.GetBytes(kv.Key), Kv: kv)).ToList();
        sorted.Sort(static (a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));

        // Keys written in one revision (a txn) share it; their position orders them within it.
        var subs = new Dictionary<long, long>();
        writer.WriteVarint(sorted.Count);
        foreach (var (bytes, kv) in sorted)
        {
            var sub = subs.GetValueOrDefault(kv.ModRevision);
            subs[kv.ModRevision] = sub + 1;
            writer.WriteBytes(bytes);
            writer.WriteVarint(1);
            writer.WriteByte(PutVersion);
            writer.WriteVarint(kv.ModRevision);
            writer.WriteVarint(sub);
            writer.WriteBytes(kv.Value.Span);
            writer.WriteVarint(kv.CreateRevision);
            writer.WriteVarint(kv.Version);
            writer.WriteVarint(kv.Lease);
        }

        var snapshot = writer.WrittenSpan.ToArray();
        _ = ReadSnapshot(snapshot, 1);
        return snapshot;
    }

    private static KeyVersion ReadVersion(ref WireReader reader, KeyNode node, string key, long revision)
    {
        var kind = reader.ReadByte();
        var mod = reader.ReadVarint();
        var sub = reader.ReadCount();
        var older = node.Head;
        if (mod > revision || (older is not null && mod <= older.Revision))
        {
            throw reader.Malformed($"a version of '{key}' at revision {mod} out of order");
        }

        var kv = kind switch
        {
            DeleteVersion => new KeyValue(key, ReadOnlyMemory<byte>.Empty, 0, mod, 0, 0),
            PutVersion => new KeyValue(key, reader.ReadBytes().ToArray(), reader.ReadVarint(), mod, reader.ReadVarint(), reader.ReadVarint()),
            _ => throw reader.Malformed($"an unknown version kind {kind}"),
        };
        if (kind == PutVersion && kv.Version == 0)
        {
            throw reader.Malformed($"a put of '{key}' with version 0");
        }

        return new KeyVersion(kv, node.Key, sub, older);
    }

    // The history is every version from `start` on, one revision after another, each in the order it was written.
    private void RebuildHistory(List<KeyVersion> versions, long start, ref WireReader reader)
    {
        versions.Sort(static (a, b) => a.Revision != b.Revision ? a.Revision.CompareTo(b.Revision) : a.Sub.CompareTo(b.Sub));
        var next = start;
        for (var i = 0; i < versions.Count;)
        {
            var revision = versions[i].Revision;
            var end = i + 1;
            while (end < versions.Count && versions[end].Revision == revision)
            {
                end++;
            }

            if (revision != next && next == _compactRevision)
            {
                // The compaction point holds no version: a restored snapshot's (see the remarks above).
                History.Add(next, []);
                next++;
            }

            if (revision != next)
            {
                throw reader.Malformed($"no change at revision {next}, which is after the compaction point");
            }

            History.Add(revision, versions.GetRange(i, end - i).ToArray());
            next++;
            i = end;
        }

        if (next == _compactRevision && next == _revision)
        {
            History.Add(next, []);
            next++;
        }

        if (next != Math.Max(start, _revision + 1))
        {
            throw reader.Malformed($"history ends at revision {next - 1}, before the store revision {_revision}");
        }
    }
}
