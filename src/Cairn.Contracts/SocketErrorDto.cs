using System.Text.Json.Serialization;

namespace Cairn.Contracts;

/// <summary>A message on a watch socket that the server could not act on (<c>{"error": …}</c>); the socket and its other
/// watches go on.</summary>
public sealed record SocketErrorDto
{
    /// <summary>The error code.</summary>
    public string Code { get; init; } = "";

    /// <summary>The HTTP status the code stands for.</summary>
    public int Status { get; init; }

    /// <summary>What was wrong.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The error's extensions, written at the top of the object.</summary>
    [JsonExtensionData]
    public Dictionary<string, object?>? Details { get; init; }
}
