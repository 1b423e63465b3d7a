using Cairn.Core;

namespace Cairn.Storage.Watching;

/// <summary>
/// The state of one watch that the hub needs while the watch waits: its links in the <see cref="WatcherIndex"/>, the
/// signal that wakes it, the revision that woke it, and the alarm of its progress notifications.
/// </summary>
/// <remarks>Everything but <see cref="Range"/> and <see cref="Delivered"/> is guarded by the hub's lock.</remarks>
internal sealed class Watcher : IDisposable
{
    private readonly Lock _gate;
    private readonly TimeProvider _time;
    private readonly TimeSpan _progressEvery;
    private ITimer? _alarm;
    private bool _alarmSet;
    private bool _disposed;
    private long _lastDelivery;

    public Watcher(KeyRange range, Lock gate, TimeProvider time, TimeSpan progressEvery)
    {
        Range = range;
        _gate = gate;
        _time = time;
        _progressEvery = progressEvery;
        _lastDelivery = time.GetTimestamp();
    }

    public KeyRange Range { get; }

    public Watcher? Previous { get; set; }

    public Watcher? Next { get; set; }

    /// <summary>True while the watcher is in the index, waiting.</summary>
    public bool Indexed { get; set; }

    /// <summary>When a publish takes the watcher out of the index: the first revision of that publish with a change in
    /// its range. The revisions between its position and this one hold nothing for it.</summary>
    public long WakeRevision { get; set; }

    /// <summary>Completed to wake the watcher: by a publish, its progress alarm, its cancellation, or the hub closing.</summary>
    public TaskCompletionSource? Signal { get; set; }

    /// <summary>Marks a delivery (events or a progress notification): the progress interval runs from the last one, so
    /// commits to other keys never push a quiet watcher's notification back.</summary>
    public void Delivered() => Volatile.Write(ref _lastDelivery, _time.GetTimestamp());

    /// <summary>Under the hub's lock: true when a progress notification is due; otherwise sets the alarm for when it
    /// will be (if it is not set already).</summary>
    public bool ProgressDue()
    {
        if (_progressEvery == TimeSpan.Zero || _disposed)
        {
            return false;
        }

        var remaining = _progressEvery - _time.GetElapsedTime(Volatile.Read(ref _lastDelivery));
        if (remaining <= TimeSpan.Zero)
        {
            return true;
        }

        if (!_alarmSet)
        {
            _alarm ??= _time.CreateTimer(static state => ((Watcher)state!).Alarm(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _alarmSet = true;
            _alarm.Change(remaining, Timeout.InfiniteTimeSpan);
        }

        return false;
    }

    /// <summary>Wakes the watcher if it waits (its cancellation token fired, or the hub closed).</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            Signal?.TrySetResult();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _alarm?.Dispose();
    }

    private void Alarm()
    {
        lock (_gate)
        {
            _alarmSet = false;

            // A delivery since the alarm was set moved the due time: ProgressDue sets the alarm again for it.
            if (!_disposed && ProgressDue())
            {
                Signal?.TrySetResult();
            }
        }
    }
}
