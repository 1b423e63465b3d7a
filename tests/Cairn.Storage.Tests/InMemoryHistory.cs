using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Tests;

/// <summary>A backend's history kept in a list: every event published, less what compaction dropped. Counts reads, so
/// that a test can tell whether a watcher went to history.</summary>
internal sealed class InMemoryHistory : IWatchHistory
{
    private readonly Lock _gate = new();
    private readonly List<RevisionEvent> _events = [];
    private long _compactRevision;
    private int _reads;

    public long CompactRevision
    {
        get
        {
            lock (_gate)
            {
                return _compactRevision;
            }
        }
    }

    /// <summary>How many times a watcher read history.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public void Append(IEnumerable<RevisionEvent> events)
    {
        lock (_gate)
        {
            _events.AddRange(events);
        }
    }

    /// <summary>Drops every event below <paramref name="revision"/>.</summary>
    public void Compact(long revision)
    {
        lock (_gate)
        {
            _compactRevision = revision;
            _events.RemoveAll(e => e.Revision < revision);
        }
    }

    public ValueTask ReadAsync(KeyRange range, long from, long through, bool prevKv, List<WatchResponse> into, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        lock (_gate)
        {
            if (from < _compactRevision)
            {
                throw new CompactedException(from, _compactRevision);
            }

            var selected = _events
                .Where(e => e.Revision >= from && e.Revision <= through && range.Contains(e.KeyUtf8))
                .GroupBy(e => e.Revision);
            foreach (var revision in selected)
            {
                into.Add(new WatchResponse(revision.Key, revision.Select(e => prevKv ? e.Event : e.Event with { PrevKv = null }).ToList()));
            }
        }

        return ValueTask.CompletedTask;
    }
}
