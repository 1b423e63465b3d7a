using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The value of a node's registration key, <c>/cairn/nodes/&lt;nodeId&gt;</c>.</summary>
public sealed record NodeRecordDto
{
    /// <summary>The node's id, unique per process.</summary>
    public required string NodeId { get; init; }

    /// <summary>The node's listeners (<c>http://host:port</c>, <c>unix:/path</c>).</summary>
    public required IReadOnlyList<string> Addresses { get; init; }

    /// <summary>When the node started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The node's Cairn version.</summary>
    public required string Version { get; init; }
}

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
