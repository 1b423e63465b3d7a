using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>GET /v1/journal/{txid}</c>: a request with all its steps.</summary>
public sealed class JournalRequestDto
{
    public string Txid { get; set; } = "";

    /// <summary><c>in-progress</c>, <c>committed</c>, <c>aborted</c> or <c>unknown</c>.</summary>
    public string State { get; set; } = "";

    public DateTimeOffset First { get; set; }

    public DateTimeOffset Last { get; set; }

    /// <summary>The history segment it was folded into; null while it is live.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? Segment { get; set; }

    public JournalFieldsDto Fields { get; set; } = new();

    public List<JournalStepDto> Steps { get; set; } = [];
}
