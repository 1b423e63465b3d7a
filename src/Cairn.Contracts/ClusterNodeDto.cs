using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>One live node in <c>GET /v1/cluster/nodes</c>.</summary>
public sealed record ClusterNodeDto
{
    /// <summary>The node's id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Its listeners.</summary>
    public required IReadOnlyList<string> Addresses { get; init; }

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Its Cairn version.</summary>
    public required string Version { get; init; }

    /// <summary>True for the elected leader.</summary>
    public bool Leader { get; init; }

    /// <summary>The lease its registration hangs on.</summary>
    public long Lease { get; init; }
}
