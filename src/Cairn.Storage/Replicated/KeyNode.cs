using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>One key in the <see cref="KeyIndex"/>: its UTF-8 bytes, its links in the skip list, and its chain of
/// versions (newest first). A node stays while any version of the key is readable, deleted or not.</summary>
internal sealed class KeyNode(byte[] key, int height)
{
    private KeyVersion? _head;

    public byte[] Key { get; } = key;

    /// <summary>The skip list's forward links, one per level; written by the sequencer, read by anyone with
    /// <see cref="Volatile"/>.</summary>
    public KeyNode?[] Next { get; } = new KeyNode?[height];

    /// <summary>The newest version.</summary>
    public KeyVersion? Head => Volatile.Read(ref _head);

    /// <summary>The next node in key order.</summary>
    public KeyNode? Following => Volatile.Read(ref Next[0]);

    /// <summary>Makes <paramref name="version"/> the newest (its <see cref="KeyVersion.Older"/> is the current head).</summary>
    public void Push(KeyVersion version) => Volatile.Write(ref _head, version);

    /// <summary>The version that was current at <paramref name="revision"/>, tombstone or not; null when the key had
    /// no version then (or it was compacted away).</summary>
    public KeyVersion? At(long revision)
    {
        var version = Head;
        while (version is not null && version.Revision > revision)
        {
            version = version.Older;
        }

        return version;
    }

    /// <summary>The key-value at <paramref name="revision"/>, or null if the key did not exist then.</summary>
    public KeyValue? LiveAt(long revision) => At(revision) is { IsTombstone: false } version ? version.Kv : null;
}
