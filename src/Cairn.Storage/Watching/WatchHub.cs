using Cairn.Core;

namespace Cairn.Storage.Watching;

/// <summary>
/// Watches for a backend that has one stream of committed revisions but no watches of its own. The backend publishes
/// each committed batch here; each watch pulls from its own position, so a slow watcher never holds up the writer or
/// other watchers. The events of the most recent revisions stay in memory; a watcher further behind reads the
/// backend's history (<see cref="IWatchHistory"/>) instead.
/// </summary>
/// <remarks>
/// <para>A watcher that has caught up waits in an index by key and range (etcd's <c>watcherGroup</c>: a dictionary of
/// single keys and an interval tree of ranges), and a publish wakes only the watchers whose range holds a changed key.
/// A waiting watcher that no publish woke knows that the revisions committed meanwhile hold nothing for it: when it
/// wakes, or its progress notification is due, it moves its position up without looking at them.</para>
/// <para>Concurrency: <see cref="WatchAsync"/> and <see cref="Close"/> may be called from any thread at any time;
/// <see cref="Publish"/> is called once per committed batch, in revision order, never concurrently with itself.</para>
/// </remarks>
public sealed partial class WatchHub
{
    private readonly Lock _gate = new();
    private readonly IWatchHistory _history;
    private readonly TimeSpan _defaultProgressInterval;
    private readonly TimeProvider _time;
    private readonly RevisionWindow _window;
    private readonly WatcherIndex _waiting = new();
    private readonly List<Watcher> _woken = [];
    private List<TaskCompletionSource>? _spareSignals = [];
    private long _revision;
    private long _wakes;
    private bool _closed;

    /// <summary>A hub whose backend has committed up to <paramref name="revision"/>.</summary>
    public WatchHub(IWatchHistory history, long revision, WatchHubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        options ??= new WatchHubOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.CapacityEvents);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultProgressInterval, TimeSpan.Zero);
        _history = history;
        _defaultProgressInterval = options.DefaultProgressInterval;
        _time = options.Time ?? throw new ArgumentException("The hub needs a clock.", nameof(options));
        _window = new RevisionWindow(revision, options.CapacityEvents);
        _revision = revision;
    }

    /// <summary>The latest committed revision published.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Watchers waiting in the index now; for tests and metrics.</summary>
    internal int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Distinct single keys and distinct intervals in the index now; for tests.</summary>
    internal (int Keys, int Ranges) IndexSize
    {
        get
        {
            lock (_gate)
            {
                return (_waiting.KeyCount, _waiting.RangeCount);
            }
        }
    }

    /// <summary>Waiting watchers woken by publishes so far; for tests and metrics.</summary>
    internal long Wakes => Interlocked.Read(ref _wakes);

    /// <summary>
    /// Adds a committed batch: its events in revision order (the changes of one revision together, in the order they
    /// were made), all above the last published revision and at most <paramref name="committedRevision"/>, which
    /// becomes the hub's revision. Events may be empty, to move the revision only. Wakes the waiting watchers whose
    /// range holds a changed key, and no others.
    /// </summary>
    public void Publish(IReadOnlyList<RevisionEvent> events, long committedRevision)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<TaskCompletionSource>? signals = null;
        lock (_gate)
        {
            Validate(events, committedRevision);
            for (var start = 0; start < events.Count;)
            {
                var revision = events[start].Revision;
                var end = start + 1;
                while (end < events.Count && events[end].Revision == revision)
                {
                    end++;
                }

                var group = new WindowEvent[end - start];
                for (var i = start; i < end; i++)
                {
                    var change = events[i];
                    var bare = change.Event.PrevKv is null ? change.Event : change.Event with { PrevKv = null };
                    group[i - start] = new WindowEvent(change.KeyUtf8, change.Event, bare);
                    if (_waiting.Count > 0)
                    {
                        WakeMatching(change.KeyUtf8, revision, ref signals);
                    }
                }

                _window.Add(new RevisionGroup(revision, group));
                start = end;
            }

            _window.Trim();
            Volatile.Write(ref _revision, committedRevision);
        }

        if (signals is not null)
        {
            // Outside the lock: waking queues one continuation per watcher, and registrations need not wait for that.
            foreach (var signal in signals)
            {
                signal.TrySetResult();
            }

            signals.Clear();
            Volatile.Write(ref _spareSignals, signals);
        }
    }

    /// <summary>
    /// Moves the hub to <paramref name="committedRevision"/> without publishing the revisions in between, for a backend
    /// that restored a snapshot instead of replaying them. The in-memory window is emptied, so every watcher that has not
    /// yet delivered those revisions reads them from history (<see cref="IWatchHistory"/>), which fails it with
    /// <see cref="CompactedException"/> where they were compacted away; no watcher skips them silently. Waiting watchers
    /// are woken to look again.
    /// </summary>
    public void Resync(long committedRevision)
    {
        List<TaskCompletionSource>? signals = null;
        lock (_gate)
        {
            if (committedRevision < _revision)
            {
                throw new ArgumentOutOfRangeException(nameof(committedRevision), $"Revision {committedRevision} is below the hub's revision {_revision}; a hub never moves back.");
            }

            _window.Reset(committedRevision);
            _woken.Clear();
            _waiting.CollectAll(_woken);
            foreach (var watcher in _woken)
            {
                // Out of the index with no wake revision: the watcher looks again from its own position, so the
                // revisions it has not seen go through history, none assumed empty.
                _waiting.Remove(watcher);
                watcher.WakeRevision = 0;
                if (watcher.Signal is { } signal)
                {
                    (signals ??= []).Add(signal);
                }
            }

            _woken.Clear();
            Volatile.Write(ref _revision, committedRevision);
        }

        if (signals is not null)
        {
            foreach (var signal in signals)
            {
                signal.TrySetResult();
            }
        }
    }

    /// <summary>Ends every watch, now and later, with <see cref="UnavailableException"/> (the store is closing).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _woken.Clear();
            _waiting.CollectAll(_woken);
            foreach (var watcher in _woken)
            {
                watcher.Signal?.TrySetResult();
            }

            _woken.Clear();
        }
    }

    private void Validate(IReadOnlyList<RevisionEvent> events, long committedRevision)
    {
        if (committedRevision < _revision)
        {
            throw new ArgumentOutOfRangeException(nameof(committedRevision), $"Revision {committedRevision} was published after revision {_revision}; publishes go in revision order.");
        }

        var previous = _revision;
        foreach (var change in events)
        {
            ArgumentNullException.ThrowIfNull(change);
            if (change.Revision <= _revision || change.Revision < previous || change.Revision > committedRevision)
            {
                throw new ArgumentException($"An event of revision {change.Revision} cannot be published after revision {previous} in a batch that commits revision {committedRevision}; events go in revision order, above the last published revision.", nameof(events));
            }

            previous = change.Revision;
        }
    }

    // Under the lock: takes the waiting watchers whose range holds `key` out of the index and collects their signals.
    private void WakeMatching(byte[] key, long revision, ref List<TaskCompletionSource>? signals)
    {
        _waiting.TakeMatching(key, _woken);
        if (_woken.Count == 0)
        {
            return;
        }

        signals ??= Interlocked.Exchange(ref _spareSignals, null) ?? [];
        foreach (var watcher in _woken)
        {
            watcher.WakeRevision = revision;
            signals.Add(watcher.Signal!);
        }

        _wakes += _woken.Count;
        _woken.Clear();
    }
}
