using System.Runtime.InteropServices;

namespace Cairn.Storage.Watching;

/// <summary>
/// The watchers that wait for changes, indexed so that a changed key finds only the watchers it concerns: single-key
/// watchers in a dictionary by key, range watchers (prefix, between, from-key) in an <see cref="IntervalTree{TValue}"/>.
/// Watchers of the same key, or of the same interval, form one intrusive doubly linked list whose head the dictionary or
/// the tree holds, so adding and removing a watcher allocates nothing once its key or interval is present: O(1) for a
/// key, O(log n) for a range (O(1) when it is not the head of its list).
/// </summary>
/// <remarks>Not thread-safe; the watch hub uses it under its lock.</remarks>
internal sealed class WatcherIndex
{
    private readonly Dictionary<byte[], Watcher> _keys = new(ByteKeyComparer.Instance);
    private readonly IntervalTree<Watcher> _ranges = new();
    private readonly List<Watcher> _heads = [];

    /// <summary>Watchers in the index.</summary>
    public int Count { get; private set; }

    /// <summary>Distinct keys of single-key watchers.</summary>
    public int KeyCount => _keys.Count;

    /// <summary>Distinct intervals of range watchers.</summary>
    public int RangeCount => _ranges.Count;

    public void Add(Watcher watcher)
    {
        if (watcher.Indexed)
        {
            throw new InvalidOperationException("The watcher is already in the index.");
        }

        var start = watcher.Range.StartBytes;
        var end = watcher.Range.EndBytes;
        Watcher? head;
        if (end is null)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_keys, start, out var present);
            if (present)
            {
                InsertAfter(slot!, watcher);
            }
            else
            {
                slot = watcher;
            }
        }
        else if ((head = _ranges.Find(start, end)) is not null)
        {
            InsertAfter(head, watcher);
        }
        else
        {
            _ranges.Add(start, end, watcher);
        }

        watcher.Indexed = true;
        Count++;
    }

    public void Remove(Watcher watcher)
    {
        if (!watcher.Indexed)
        {
            return;
        }

        if (watcher.Previous is { } previous)
        {
            previous.Next = watcher.Next;
            if (watcher.Next is { } following)
            {
                following.Previous = previous;
            }
        }
        else
        {
            // The head: its successor (same key or interval) becomes the head, or the key or interval goes.
            var start = watcher.Range.StartBytes;
            var end = watcher.Range.EndBytes;
            var successor = watcher.Next;
            if (successor is not null)
            {
                successor.Previous = null;
                if (end is null)
                {
                    _keys[start] = successor;
                }
                else
                {
                    _ranges.Replace(start, end, successor);
                }
            }
            else if (end is null)
            {
                _keys.Remove(start);
            }
            else
            {
                _ranges.Remove(start, end);
            }
        }

        Detached(watcher);
    }

    /// <summary>Takes out of the index every watcher whose range contains <paramref name="key"/> and appends it to
    /// <paramref name="into"/>.</summary>
    public void TakeMatching(byte[] key, List<Watcher> into)
    {
        if (_keys.Remove(key, out var head))
        {
            TakeList(head, into);
        }

        if (_ranges.Count == 0)
        {
            return;
        }

        _heads.Clear();
        _ranges.Stab(key, _heads);
        foreach (var rangeHead in _heads)
        {
            _ranges.Remove(rangeHead.Range.StartBytes, rangeHead.Range.EndBytes!);
            TakeList(rangeHead, into);
        }

        _heads.Clear();
    }

    /// <summary>Appends every watcher in the index to <paramref name="into"/>, leaving them in it.</summary>
    public void CollectAll(List<Watcher> into)
    {
        _heads.Clear();
        _heads.AddRange(_keys.Values);
        _ranges.CollectAll(_heads);
        foreach (var head in _heads)
        {
            for (var watcher = head; watcher is not null; watcher = watcher.Next)
            {
                into.Add(watcher);
            }
        }

        _heads.Clear();
    }

    private static void InsertAfter(Watcher head, Watcher watcher)
    {
        watcher.Previous = head;
        watcher.Next = head.Next;
        if (head.Next is { } following)
        {
            following.Previous = watcher;
        }

        head.Next = watcher;
    }

    private void TakeList(Watcher? watcher, List<Watcher> into)
    {
        while (watcher is not null)
        {
            var next = watcher.Next;
            Detached(watcher);
            into.Add(watcher);
            watcher = next;
        }
    }

    private void Detached(Watcher watcher)
    {
        watcher.Previous = null;
        watcher.Next = null;
        watcher.Indexed = false;
        Count--;
    }
}
