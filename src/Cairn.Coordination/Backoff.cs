namespace Cairn.Coordination;

/// <summary>Doubling retry delays between a floor and a ceiling, for loops that wait out an unreachable store.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private TimeSpan _next = TimeSpan.Zero;

    public TimeSpan Next()
    {
        _next = _next == TimeSpan.Zero ? initial : TimeSpan.FromTicks(Math.Min(max.Ticks, _next.Ticks * 2));
        return _next;
    }

    public void Reset() => _next = TimeSpan.Zero;
}
