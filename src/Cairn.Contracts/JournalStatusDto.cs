using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>GET /v1/journal/{txid}/status</c>.</summary>
public sealed class JournalStatusDto
{
    /// <summary><c>in-progress</c>, <c>committed</c> or <c>aborted</c>.</summary>
    public string State { get; set; } = "";

    /// <summary>The commit or abort message; null while the request is in progress. <c>NaN</c>, <c>Infinity</c> and
    /// <c>-Infinity</c> in it are the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c> (see
    /// <see cref="MessageText"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Message { get; set; }

    /// <summary>The message exactly as sent, only when <see cref="Message"/> is not it (it holds <c>NaN</c>,
    /// <c>Infinity</c> or <c>-Infinity</c>); otherwise absent.</summary>
    public string? MessageText { get; set; }
}
