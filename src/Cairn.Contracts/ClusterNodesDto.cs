using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>GET /v1/cluster/nodes</c>.</summary>
public sealed record ClusterNodesDto
{
    /// <summary>The store revision the list was read at.</summary>
    public long Revision { get; init; }

    /// <summary>The leader's node id; null when no node leads right now.</summary>
    public string? Leader { get; init; }

    /// <summary>The live nodes, by node id.</summary>
    public required IReadOnlyList<ClusterNodeDto> Nodes { get; init; }
}
