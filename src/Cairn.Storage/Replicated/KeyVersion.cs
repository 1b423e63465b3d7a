using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// One version of a key: what a put wrote, or a delete's tombstone (version 0, empty value, the delete's revision as
/// mod revision), linked to the version before it. A key's versions form a chain, newest first, that reaches back to
/// the newest version at or below the compaction point.
/// </summary>
/// <remarks>Immutable but for the link to the older version, which compaction cuts (the only writer is the node's
/// sequencer); readers follow it with acquire semantics, so one that sees a cut also sees the compaction point that
/// caused it.</remarks>
internal sealed class KeyVersion(KeyValue kv, byte[] keyUtf8, int sub, KeyVersion? older)
{
    private KeyVersion? _older = older;

    /// <summary>The key-value this version wrote; for a tombstone, as a watcher sees the delete.</summary>
    public KeyValue Kv { get; } = kv;

    /// <summary>The key in UTF-8 (shared with its node).</summary>
    public byte[] KeyUtf8 { get; } = keyUtf8;

    /// <summary>The position of this change among the changes of its revision (a txn's order, a range delete's key order).</summary>
    public int Sub { get; } = sub;

    public long Revision => Kv.ModRevision;

    public bool IsTombstone => Kv.Version == 0;

    public KeyVersion? Older => Volatile.Read(ref _older);

    /// <summary>The key as it was just before this version, or null if it did not exist (or that was compacted).</summary>
    public KeyValue? PreviousLive => Older is { IsTombstone: false } older ? older.Kv : null;

    /// <summary>Drops the versions older than this one (compaction).</summary>
    public void Cut() => Volatile.Write(ref _older, null);
}
