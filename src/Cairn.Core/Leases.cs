namespace Cairn.Core;

/// <summary>Rules every backend applies to leases.</summary>
public static class Leases
{
    /// <summary>Shortest TTL: one second.</summary>
    public const long MinTtlSeconds = 1;

    /// <summary>Longest TTL: ten years, long enough for keys that expire after N days, short enough to be a real expiry.</summary>
    public const long MaxTtlSeconds = 10L * 366 * 24 * 3600;

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="ttlSeconds"/> is a usable TTL.</summary>
    public static void ValidateTtl(long ttlSeconds)
    {
        if (ttlSeconds < MinTtlSeconds || ttlSeconds > MaxTtlSeconds)
        {
            throw new InvalidArgumentException($"A lease TTL must be between {MinTtlSeconds} and {MaxTtlSeconds} seconds; got {ttlSeconds}.");
        }
    }

    /// <summary>Throws <see cref="InvalidArgumentException"/> for an id that no lease can have.</summary>
    public static void ValidateId(long id)
    {
        if (id < 0)
        {
            throw new InvalidArgumentException($"A lease id is positive; got {id}.");
        }
    }
}
