using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body of <c>POST /v1/leases</c>.</summary>
public sealed class LeaseGrantDto
{
    /// <summary>Time to live in seconds.</summary>
    public long Ttl { get; set; }

    /// <summary>The id to use; 0 or absent lets the server choose.</summary>
    public long Id { get; set; }
}

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

/// <summary>The body of <c>GET /v1/leases</c>.</summary>
public sealed class LeaseListDto
{
    public List<LeaseDto> Leases { get; set; } = [];
}
