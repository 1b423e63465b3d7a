using Microsoft.Extensions.Time.Testing;

namespace Cairn.Testing.Server;

/// <summary>
/// A <see cref="ServerFixture"/> whose server runs on a fake clock that only moves when a test moves it: journal times,
/// lease expiry, sweeps and renewal schedules all follow <see cref="Clock"/>. A test that needs time to pass advances it
/// instead of sleeping. It starts at the real time, so times in answers look like today's.
/// </summary>
public sealed class FakeClockServerFixture() : ServerFixture(new FakeTimeProvider(DateTimeOffset.UtcNow))
{
    /// <summary>The server's clock.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)Time!;
}
