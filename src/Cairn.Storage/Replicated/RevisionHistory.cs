using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// Every revision since the compaction point, in order: the versions each one wrote (the same objects as in the keys'
/// chains). Watchers that fell behind the watch hub's window read it, with each event's previous key-value taken
/// from the chain. Revisions are dense (each one wrote something), so revision <c>r</c> is at position
/// <c>r - first</c>.
/// </summary>
/// <remarks>Concurrency: the sequencer adds and compacts, watchers read, all under one lock held for a step of at
/// most a watcher's read.</remarks>
internal sealed class RevisionHistory(long next)
{
    private readonly Lock _gate = new();
    private readonly List<KeyVersion[]> _revisions = [];
    private long _first = next;
    private long _compactRevision;

    /// <summary>Adds the changes of the next revision, in the order they were made.</summary>
    public void Add(long revision, KeyVersion[] changes)
    {
        lock (_gate)
        {
            if (revision != _first + _revisions.Count)
            {
                throw new InvalidOperationException($"Revision {revision} added to a history that expects revision {_first + _revisions.Count}.");
            }

            _revisions.Add(changes);
        }
    }

    /// <summary>Drops the revisions below <paramref name="compactRevision"/>, which becomes the compaction point.</summary>
    public void Compact(long compactRevision)
    {
        lock (_gate)
        {
            _compactRevision = compactRevision;
            var drop = (int)Math.Clamp(compactRevision - _first, 0, _revisions.Count);
            _revisions.RemoveRange(0, drop);
            _first += drop;
        }
    }

    /// <summary>As <see cref="Watching.IWatchHistory.ReadAsync"/>: one response per revision from
    /// <paramref name="from"/> to <paramref name="through"/> with events in <paramref name="range"/>.</summary>
    /// <exception cref="CompactedException"><paramref name="from"/> is below the compaction point.</exception>
    public void Read(KeyRange range, long from, long through, bool prevKv, List<WatchResponse> into)
    {
        lock (_gate)
        {
            if (from < _compactRevision)
            {
                throw new CompactedException(from, _compactRevision);
            }

            var last = Math.Min(through, _first + _revisions.Count - 1);
            for (var revision = Math.Max(from, _first); revision <= last; revision++)
            {
                var changes = _revisions[(int)(revision - _first)];
                List<WatchEvent>? events = null;
                foreach (var change in changes)
                {
                    if (range.Contains(change.KeyUtf8))
                    {
                        (events ??= []).Add(Event(change, prevKv));
                    }
                }

                if (events is not null)
                {
                    into.Add(new WatchResponse(revision, events));
                }
            }
        }
    }

    /// <summary>A version as the watch event it was.</summary>
    public static WatchEvent Event(KeyVersion change, bool prevKv) =>
        new(change.IsTombstone ? WatchEventType.Delete : WatchEventType.Put, change.Kv, prevKv ? change.PreviousLive : null);
}
