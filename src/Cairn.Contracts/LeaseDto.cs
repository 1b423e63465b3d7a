using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>A lease on the wire.</summary>
public sealed class LeaseDto
{
    public long Id { get; set; }

    /// <summary>The granted TTL in seconds.</summary>
    public long Ttl { get; set; }

    /// <summary>Seconds left by the server's clock.</summary>
    public long? Remaining { get; set; }

    /// <summary>The store revision (on grant and revoke).</summary>
    public long? Revision { get; set; }

    public List<string>? Keys { get; set; }

    public static LeaseDto From(LeaseInfo lease, bool withKeys) => new()
    {
        Id = lease.Id,
        Ttl = lease.GrantedTtlSeconds,
        Remaining = lease.RemainingTtlSeconds,
        Keys = withKeys ? lease.Keys.ToList() : null,
    };

    public LeaseInfo ToInfo() => new(Id, Ttl, Remaining ?? Ttl, Keys ?? []);
}
