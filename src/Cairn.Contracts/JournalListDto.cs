using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>GET /v1/journal?…</c>: one page of requests.</summary>
public sealed class JournalListDto
{
    public List<JournalSummaryDto> Requests { get; set; } = [];

    /// <summary>Pass as <c>after</c> to get the next page; null on the last one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Next { get; set; }
}
