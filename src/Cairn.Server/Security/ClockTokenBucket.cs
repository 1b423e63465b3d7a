using System.Threading.RateLimiting;

namespace Cairn.Server.Security;

/// <summary>
/// A token bucket on the server's <see cref="TimeProvider"/> (the runtime's <see cref="TokenBucketRateLimiter"/> refills on
/// the machine's clock, which a test's fake clock does not move): <paramref name="burst"/> tokens, refilled at
/// <paramref name="perSecond"/> a second, computed from the elapsed time when asked (no timer). A request that finds no
/// token is refused at once, with the time until one is there as <see cref="MetadataName.RetryAfter"/>.
/// </summary>
internal sealed class ClockTokenBucket(double perSecond, int burst, TimeProvider time) : RateLimiter
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _refilledAt = time.GetTimestamp();
    private long? _fullSince = time.GetTimestamp();
    private long _refused;
    private long _granted;

    /// <summary>How long the bucket has been full (so the partitioned limiter can drop it); null while it is not.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _fullSince is { } since ? time.GetElapsedTime(since) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                TotalFailedLeases = _refused,
                TotalSuccessfulLeases = _granted,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            Refill();
            if (_tokens >= permitCount && (permitCount > 0 || _tokens >= 1))
            {
                _tokens -= permitCount;
                _fullSince = null;
                _granted++;
                return Lease.Granted;
            }

            _refused++;
            var missing = Math.Max(1, permitCount) - _tokens;
            return new Lease(TimeSpan.FromSeconds(missing / perSecond));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_refilledAt, now);
        _refilledAt = now;
        if (_fullSince is not null || elapsed <= TimeSpan.Zero)
        {
            return;
        }

        var filled = _tokens + (elapsed.TotalSeconds * perSecond);
        if (filled < burst)
        {
            _tokens = filled;
            return;
        }

        // Full since the moment it filled up, not since now: idle time counts from then.
        _tokens = burst;
        _fullSince = now - (long)((filled - burst) / perSecond * time.TimestampFrequency);
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
