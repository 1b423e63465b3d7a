namespace Cairn.Storage.Sqlite;

/// <summary>A live lease's clock. Its expiry is kept in memory only: keep-alives need no disk write, and a restart
/// renews every lease to its full TTL (as etcd does when a new leader takes over).</summary>
internal sealed class LeaseState(long id, long ttlSeconds, DateTimeOffset expiresAt)
{
    private long _expiresAtTicks = expiresAt.UtcTicks;

    public long Id { get; } = id;

    public long TtlSeconds { get; } = ttlSeconds;

    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresAtTicks), TimeSpan.Zero);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;

    public void Renew(DateTimeOffset now) => Interlocked.Exchange(ref _expiresAtTicks, (now + TimeSpan.FromSeconds(TtlSeconds)).UtcTicks);

    public long RemainingSeconds(DateTimeOffset now) => Math.Max(0, (long)Math.Ceiling((ExpiresAt - now).TotalSeconds));
}
