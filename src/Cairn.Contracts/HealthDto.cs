namespace Cairn.Contracts;

/// <summary><c>GET /healthz</c> when healthy (an unhealthy server answers a 503 problem).</summary>
public sealed record HealthDto
{
    /// <summary><c>healthy</c>.</summary>
    public string Status { get; init; } = "healthy";

    /// <summary>The store revision it answered at.</summary>
    public long Revision { get; init; }

    /// <summary>Alarms raised: a healthy server that is out of space serves reads but refuses writes that add data
    /// (<c>/readyz</c> answers 503 then).</summary>
    public IReadOnlyList<AlarmDto> Alarms { get; init; } = [];
}
