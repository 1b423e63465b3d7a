namespace Cairn.Contracts;

/// <summary><c>GET /healthz</c> when healthy (an unhealthy server answers a 503 problem).</summary>
public sealed record HealthDto
{
    /// <summary><c>healthy</c>.</summary>
    public string Status { get; init; } = "healthy";

    /// <summary>The store revision it answered at.</summary>
    public long Revision { get; init; }
}
