namespace Cairn.Storage.Watching;

/// <summary>
/// The events of the most recent revisions, in memory: every change of the revisions after <see cref="Floor"/> (the
/// revisions in between that are missing had none). Holds about <c>capacityEvents</c> events; when over, the oldest half
/// of its revisions goes (amortised O(1) per event), always keeping the newest.
/// </summary>
/// <remarks>Not thread-safe; the watch hub uses it under its lock.</remarks>
internal sealed class RevisionWindow(long floor, int capacityEvents)
{
    private readonly List<RevisionGroup> _groups = [];
    private int _events;

    /// <summary>The window holds every change of the revisions above this one.</summary>
    public long Floor { get; private set; } = floor;

    public int Count => _groups.Count;

    public int Events => _events;

    public RevisionGroup this[int index] => _groups[index];

    public void Add(RevisionGroup group)
    {
        _groups.Add(group);
        _events += group.Events.Length;
    }

    /// <summary>Forgets every revision held: the window then holds the changes of the revisions above
    /// <paramref name="floor"/>, of which there are none yet.</summary>
    public void Reset(long floor)
    {
        _groups.Clear();
        _events = 0;
        Floor = floor;
    }

    public void Trim()
    {
        if (_events <= capacityEvents || _groups.Count <= 1)
        {
            return;
        }

        var drop = Math.Max(1, _groups.Count / 2);
        for (var i = 0; i < drop; i++)
        {
            _events -= _groups[i].Events.Length;
        }

        Floor = _groups[drop - 1].Revision;
        _groups.RemoveRange(0, drop);
    }

    /// <summary>The index of the first group at or after <paramref name="revision"/>; <see cref="Count"/> if none.</summary>
    public int IndexOf(long revision)
    {
        int low = 0, high = _groups.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_groups[mid].Revision < revision)
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

    public void CopyTo(int index, RevisionGroup[] into, int count) => _groups.CopyTo(index, into, 0, count);
}
