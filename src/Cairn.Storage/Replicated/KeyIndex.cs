namespace Cairn.Storage.Replicated;

/// <summary>
/// The keys of a replicated keyspace in UTF-8 byte order (the contract's key order), as a skip list with one writer
/// and any number of lock-free readers: the sequencer inserts and removes nodes, readers seek and walk at any time.
/// </summary>
/// <remarks>
/// <para>A node is built completely before it is linked in, bottom level first, each link published with a volatile
/// write; a reader sees it or not, never half of it. A removed node keeps its own links, so a reader standing on it
/// walks on. Nodes are removed only by compaction, when every version a reader may still ask for is gone; a node
/// inserted after a reader pinned its revision holds only newer versions, which that reader skips anyway.</para>
/// <para>Readers learn nothing from the structure about time: which version of a key they see is decided by the
/// revision they read at (<see cref="KeyNode.At"/>), so a write being applied is invisible until its revision is
/// published.</para>
/// </remarks>
internal sealed class KeyIndex
{
    private const int MaxHeight = 20;

    private readonly KeyNode _head = new([], MaxHeight);
    private readonly KeyNode[] _preceding = new KeyNode[MaxHeight];
    private readonly Random _random = new();
    private int _height = 1;

    /// <summary>Nodes in the index (live keys and deleted keys whose history is still readable). Writer only.</summary>
    public int Count { get; private set; }

    /// <summary>The first node in key order.</summary>
    public KeyNode? First => Volatile.Read(ref _head.Next[0]);

    /// <summary>The first node whose key is at or after <paramref name="key"/>. Safe from any thread.</summary>
    public KeyNode? Seek(ReadOnlySpan<byte> key)
    {
        var node = _head;
        for (var level = Volatile.Read(ref _height) - 1; level >= 0; level--)
        {
            KeyNode? next;
            while ((next = Volatile.Read(ref node.Next[level])) is not null && next.Key.AsSpan().SequenceCompareTo(key) < 0)
            {
                node = next;
            }
        }

        return Volatile.Read(ref node.Next[0]);
    }

    /// <summary>The node of exactly <paramref name="key"/>, or null. Safe from any thread.</summary>
    public KeyNode? Find(ReadOnlySpan<byte> key)
    {
        var node = Seek(key);
        return node is not null && node.Key.AsSpan().SequenceEqual(key) ? node : null;
    }

    /// <summary>The node of <paramref name="key"/>, inserted (without versions) if missing. Writer only.</summary>
    public KeyNode GetOrAdd(byte[] key)
    {
        var found = FindPreceding(key);
        if (found is not null && found.Key.AsSpan().SequenceEqual(key))
        {
            return found;
        }

        var height = RandomHeight();
        if (height > _height)
        {
            for (var level = _height; level < height; level++)
            {
                _preceding[level] = _head;
            }

            Volatile.Write(ref _height, height);
        }

        var node = new KeyNode(key, height);
        for (var level = 0; level < height; level++)
        {
            node.Next[level] = _preceding[level].Next[level];
        }

        for (var level = 0; level < height; level++)
        {
            Volatile.Write(ref _preceding[level].Next[level], node);
        }

        Count++;
        return node;
    }

    /// <summary>Unlinks <paramref name="node"/>. Writer only.</summary>
    public void Remove(KeyNode node)
    {
        if (FindPreceding(node.Key) != node)
        {
            return;
        }

        for (var level = node.Next.Length - 1; level >= 0; level--)
        {
            if (_preceding[level].Next[level] == node)
            {
                Volatile.Write(ref _preceding[level].Next[level], node.Next[level]);
            }
        }

        Count--;
    }

    // Fills _preceding with the last node before `key` on every level; returns the node after it on the bottom level.
    private KeyNode? FindPreceding(ReadOnlySpan<byte> key)
    {
        var node = _head;
        for (var level = MaxHeight - 1; level >= 0; level--)
        {
            KeyNode? next;
            while ((next = node.Next[level]) is not null && next.Key.AsSpan().SequenceCompareTo(key) < 0)
            {
                node = next;
            }

            _preceding[level] = node;
        }

        return node.Next[0];
    }

    // Each level holds a quarter of the level below it: about 1.33 links per node, O(log n) steps per seek.
    private int RandomHeight()
    {
        var height = 1;
        while (height < MaxHeight && (_random.Next() & 3) == 0)
        {
            height++;
        }

        return height;
    }
}
