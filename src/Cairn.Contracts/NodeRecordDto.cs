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
