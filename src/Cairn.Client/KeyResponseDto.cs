using Cairn.Contracts;

namespace Cairn.Client;

/// <summary>The body of <c>GET /v1/kv/{key}?format=json</c>.</summary>
internal sealed class KeyResponseDto
{
    public long Revision { get; set; }

    public KeyValueDto? Kv { get; set; }
}
