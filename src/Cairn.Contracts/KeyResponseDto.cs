namespace Cairn.Contracts;

/// <summary><c>GET /v1/kv/{key}?format=json</c> (or with <c>Accept: application/json</c>): the key and the revision it was
/// read at.</summary>
public sealed record KeyResponseDto
{
    /// <summary>The store revision read at.</summary>
    public long Revision { get; init; }

    /// <summary>The key.</summary>
    public KeyValueDto? Kv { get; init; }
}
