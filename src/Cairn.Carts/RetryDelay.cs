namespace Cairn.Carts;

/// <summary>Doubling delays from <paramref name="initial"/> up to <paramref name="max"/>.</summary>
internal sealed class RetryDelay(TimeSpan initial, TimeSpan max)
{
    private TimeSpan _next = TimeSpan.Zero;

    public TimeSpan Next()
    {
        _next = _next == TimeSpan.Zero ? initial : TimeSpan.FromTicks(Math.Min(max.Ticks, _next.Ticks * 2));
        return _next;
    }

    public void Reset() => _next = TimeSpan.Zero;
}
