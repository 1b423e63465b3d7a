using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body of <c>GET /v1/leases</c>.</summary>
public sealed class LeaseListDto
{
    public List<LeaseDto> Leases { get; set; } = [];
}
