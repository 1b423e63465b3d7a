using Cairn.Core;

namespace Cairn.Storage.Sqlite;

/// <summary>
/// Where committed changes meet watchers. The writer publishes each committed batch here; watchers pull from their own
/// position, so a slow watcher never holds up the writer or other watchers. The hub keeps the events of the most recent
/// revisions in memory; a watcher further behind reads history from the database instead.
/// </summary>
internal sealed class WatchHub(long revision, int capacityEvents)
{
    private readonly Lock _gate = new();
    private readonly List<RevisionEvent[]> _recent = []; // contiguous revisions _floor + 1, _floor + 2, …
    private long _floor = revision;
    private long _revision = revision;
    private int _events;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The latest committed revision.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Completes at the next publish. Take it before checking <see cref="Revision"/>, so no publish is missed.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Adds a committed batch (its events in order) and wakes every waiting watcher.</summary>
    public void Publish(IReadOnlyList<RevisionEvent> events, long committedRevision)
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            var start = 0;
            while (start < events.Count)
            {
                var end = start;
                while (end < events.Count && events[end].Revision == events[start].Revision)
                {
                    end++;
                }

                var group = new RevisionEvent[end - start];
                for (var i = start; i < end; i++)
                {
                    group[i - start] = events[i];
                }

                _recent.Add(group);
                _events += group.Length;
                start = end;
            }

            // Keep at least the newest revision; drop the oldest half when over capacity (amortised O(1) per event).
            if (_events > capacityEvents && _recent.Count > 1)
            {
                var drop = Math.Max(1, _recent.Count / 2);
                for (var i = 0; i < drop; i++)
                {
                    _events -= _recent[i].Length;
                }

                _floor = _recent[drop - 1][0].Revision;
                _recent.RemoveRange(0, drop);
            }

            Volatile.Write(ref _revision, committedRevision);
            wake = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }

    /// <summary>
    /// Events of the revisions from <paramref name="from"/> on (at most <paramref name="maxRevisions"/> of them) that touch
    /// <paramref name="range"/>, grouped by revision; and the last revision looked at. False when memory no longer
    /// holds <paramref name="from"/> and the caller must read history instead.
    /// </summary>
    public bool TryRead(long from, KeyRange range, bool prevKv, int maxRevisions, List<WatchResponse> into, out long through)
    {
        RevisionEvent[][] groups;
        lock (_gate)
        {
            through = from - 1;
            if (from <= _floor)
            {
                return false;
            }

            var index = (int)(from - _floor - 1);
            var count = Math.Min(maxRevisions, _recent.Count - index);
            if (count <= 0)
            {
                return true;
            }

            groups = new RevisionEvent[count][];
            _recent.CopyTo(index, groups, 0, count);
        }

        foreach (var group in groups)
        {
            List<WatchEvent>? matching = null;
            foreach (var change in group)
            {
                if (range.Contains(change.KeyUtf8))
                {
                    (matching ??= []).Add(prevKv || change.Event.PrevKv is null ? change.Event : change.Event with { PrevKv = null });
                }
            }

            if (matching is not null)
            {
                into.Add(new WatchResponse(group[0].Revision, matching));
            }

            through = group[0].Revision;
        }

        return true;
    }
}
