using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body of <c>GET /v1/status</c>.</summary>
public sealed class StatusDto
{
    public long Revision { get; set; }

    public long CompactRevision { get; set; }

    public long KeyCount { get; set; }

    public long SizeBytes { get; set; }

    public string Backend { get; set; } = "";

    public string Version { get; set; } = "";

    public string? NodeId { get; set; }

    public double UptimeSeconds { get; set; }

    /// <summary>Alarms raised (<c>NOSPACE</c>); empty when none.</summary>
    public IReadOnlyList<AlarmDto> Alarms { get; set; } = [];
}
