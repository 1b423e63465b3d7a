namespace Cairn.Testing;

/// <summary>
/// A clock that is another clock (usually a fake one a test advances) and counts the timers made on it, so that a test
/// can wait until the code under test is waiting on its next timer before it moves time on — otherwise a step of the
/// fake clock taken just before the timer is set passes it by, and the timer never fires.
/// </summary>
/// <param name="inner">The clock it is.</param>
public sealed class ObservedTimeProvider(TimeProvider inner) : TimeProvider
{
    private int _timers;

    /// <summary>Timers made so far (each <c>Task.Delay</c> on this clock makes one).</summary>
    public int TimersCreated => Volatile.Read(ref _timers);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    /// <inheritdoc />
    public override long GetTimestamp() => inner.GetTimestamp();

    /// <inheritdoc />
    public override long TimestampFrequency => inner.TimestampFrequency;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }
}
