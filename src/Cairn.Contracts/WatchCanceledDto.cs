using System.Text.Json.Serialization;

namespace Cairn.Contracts;

/// <summary>A watch on a socket has ended (<c>{"canceled": …}</c>): which, why, and the error's extensions at the top
/// (e.g. <c>compactRevision</c>).</summary>
public sealed record WatchCanceledDto
{
    /// <summary>The watch.</summary>
    public long WatchId { get; init; }

    /// <summary>Why: an error code, or <c>canceled</c> when the client canceled it.</summary>
    public string Code { get; init; } = "";

    /// <summary>Why, in words.</summary>
    public string Reason { get; init; } = "";

    /// <summary>The error's extensions, written at the top of the object.</summary>
    [JsonExtensionData]
    public Dictionary<string, object?>? Details { get; init; }
}
