namespace Cairn.Storage.Sqlite;

/// <summary>A live lease's clock. Its expiry is kept in memory only: keep-alives need no disk write, and a restart
/// renews every lease to its full TTL (as etcd does when a new leader takes over).</summary>
/// <remarks>Times are timestamps of the store's <see cref="TimeProvider"/> (<see cref="TimeProvider.GetTimestamp"/>),
/// a monotonic clock: a step of the wall clock (NTP, a resumed VM) neither expires a lease early nor keeps it late.</remarks>
internal sealed class LeaseState
{
    private readonly long _ttlTicks;
    private readonly long _frequency;
    private long _expiresAt;

    /// <summary>A lease of <paramref name="ttlSeconds"/> that expires one TTL after <paramref name="now"/>.</summary>
    public LeaseState(long id, long ttlSeconds, long timestampFrequency, long now)
    {
        Id = id;
        TtlSeconds = ttlSeconds;
        _frequency = timestampFrequency;
        _ttlTicks = checked(ttlSeconds * timestampFrequency);
        _expiresAt = now + _ttlTicks;
    }

    public long Id { get; }

    public long TtlSeconds { get; }

    public bool IsExpired(long now) => Volatile.Read(ref _expiresAt) <= now;

    public void Renew(long now) => Interlocked.Exchange(ref _expiresAt, now + _ttlTicks);

    public long RemainingSeconds(long now)
    {
        var expiresAt = Volatile.Read(ref _expiresAt);
        return expiresAt <= now ? 0 : (long)Math.Ceiling((expiresAt - now) / (double)_frequency);
    }
}
