namespace Cairn.Storage.Replicated;

/// <summary>
/// The key changes of a batch being evaluated, not yet in the state: each changed key with its new versions, in key
/// order, so that later requests of the batch (and later ops of a txn) read what earlier ones wrote. Thrown away
/// after the batch; the state changes only when the batch's entry is applied.
/// </summary>
/// <remarks>Sequencer only. Sorted by insertion into a list: a batch changes few keys compared with the store.</remarks>
internal sealed class Overlay
{
    private readonly List<OverlayKey> _keys = [];

    public int Count => _keys.Count;

    public OverlayKey this[int index] => _keys[index];

    /// <summary>The position of the first key at or after <paramref name="key"/>.</summary>
    public int LowerBound(ReadOnlySpan<byte> key)
    {
        int low = 0, high = _keys.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_keys[mid].Key.AsSpan().SequenceCompareTo(key) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    public OverlayKey? Find(ReadOnlySpan<byte> key)
    {
        var index = LowerBound(key);
        return index < _keys.Count && _keys[index].Key.AsSpan().SequenceEqual(key) ? _keys[index] : null;
    }

    public OverlayKey GetOrAdd(byte[] key, out bool added)
    {
        var index = LowerBound(key);
        if (index < _keys.Count && _keys[index].Key.AsSpan().SequenceEqual(key))
        {
            added = false;
            return _keys[index];
        }

        var entry = new OverlayKey(key);
        _keys.Insert(index, entry);
        added = true;
        return entry;
    }

    public void Remove(OverlayKey key)
    {
        var index = LowerBound(key.Key);
        if (index < _keys.Count && _keys[index] == key)
        {
            _keys.RemoveAt(index);
        }
    }
}
