namespace Cairn.Coordination.Tests.Runs;

/// <summary>A clock that stands still until the test moves it, for the times a run records.</summary>
internal sealed class StepClock : TimeProvider
{
    private long _ticks = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public DateTimeOffset Now => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => Now;
}
