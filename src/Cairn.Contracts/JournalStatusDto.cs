using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>GET /v1/journal/{txid}/status</c>.</summary>
public sealed class JournalStatusDto
{
    /// <summary><c>in-progress</c>, <c>committed</c> or <c>aborted</c>.</summary>
    public string State { get; set; } = "";

    /// <summary>The commit or abort message; null while the request is in progress.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Message { get; set; }
}
