namespace Cairn.Storage.Sqlite;

/// <summary>A live lease's clock. Its expiry is kept in memory only: keep-alives need no disk write, and a restart
/// renews every lease to its full TTL (as etcd does when a new leader takes over).</summary>
/// <remarks>Times are timestamps of the store's <see cref="TimeProvider"/> (<see cref="TimeProvider.GetTimestamp"/>),
/// a monotonic clock: a step of the wall clock (NTP, a resumed VM) neither expires a lease early nor keeps it late.
/// An expired lease can be ended (<see cref="TryEnd"/>) but not renewed, so a keep-alive and the sweeper never both
/// succeed.</remarks>
internal sealed class LeaseState
{
    // The expiry of a lease the sweeper has claimed: before every timestamp, and no keep-alive revives it.
    private const long Ended = long.MinValue;

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

    /// <summary>Pushes the expiry to one TTL after <paramref name="now"/>, unless the lease has already expired.</summary>
    public bool TryRenew(long now)
    {
        while (true)
        {
            var expiresAt = Volatile.Read(ref _expiresAt);
            if (expiresAt <= now)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _expiresAt, now + _ttlTicks, expiresAt) == expiresAt)
            {
                return true;
            }
        }
    }

    /// <summary>Claims an expired lease for revocation: true if it has expired at <paramref name="now"/>, and from then
    /// on no keep-alive can renew it. False if a keep-alive renewed it in time.</summary>
    public bool TryEnd(long now)
    {
        while (true)
        {
            var expiresAt = Volatile.Read(ref _expiresAt);
            if (expiresAt > now)
            {
                return false;
            }

            if (expiresAt == Ended || Interlocked.CompareExchange(ref _expiresAt, Ended, expiresAt) == expiresAt)
            {
                return true;
            }
        }
    }

    public long RemainingSeconds(long now)
    {
        var expiresAt = Volatile.Read(ref _expiresAt);
        return expiresAt <= now ? 0 : (long)Math.Ceiling((expiresAt - now) / (double)_frequency);
    }
}
