using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The answer of <c>POST /v1/journal/{txid}/{step}</c>: 201 when the step was created, 200 when it existed
/// (the first message is kept).</summary>
public sealed class JournalAppendResultDto
{
    public string Txid { get; set; } = "";

    public string Step { get; set; } = "";

    /// <summary>When the journal first accepted the step (the server's clock).</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The store revision that wrote it; 0 while it is only in the secondary.</summary>
    public long Revision { get; set; }

    public string Node { get; set; } = "";

    /// <summary><c>primary</c>, <c>secondary</c> or <c>history</c>.</summary>
    public string Source { get; set; } = "";

    /// <summary>False when the step existed already.</summary>
    public bool Created { get; set; }

    /// <summary>True when the primary was unavailable and the entry went to the secondary directory.</summary>
    public bool Spooled { get; set; }
}

/// <summary>The structured fields of a request, taken from its messages.</summary>
public sealed class JournalFieldsDto
{
    public string? TransactionId { get; set; }

    public string? RequestId { get; set; }

    public string? Host { get; set; }

    public string? Resource { get; set; }

    public string? ResourceGroup { get; set; }

    public string? Verb { get; set; }

    public string? Pk { get; set; }

    public string? Date { get; set; }

    public string? UserId { get; set; }

    public string? AuthUserId { get; set; }

    public string? Role { get; set; }

    public string? Cm { get; set; }
}

/// <summary>One step of a request, with its message inline (also the data of an SSE <c>step</c> event).</summary>
public sealed class JournalStepDto
{
    public string Step { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public long Revision { get; set; }

    public string Node { get; set; } = "";

    /// <summary><c>primary</c>, <c>secondary</c> or <c>history</c>.</summary>
    public string Source { get; set; } = "";

    /// <summary>The step's JSON message, inline.</summary>
    public JsonElement? Message { get; set; }
}

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

/// <summary>The answer of <c>GET /v1/journal/{txid}/status</c>.</summary>
public sealed class JournalStatusDto
{
    /// <summary><c>in-progress</c>, <c>committed</c> or <c>aborted</c>.</summary>
    public string State { get; set; } = "";

    /// <summary>The commit or abort message; null while the request is in progress.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Message { get; set; }
}

/// <summary>One request in a listing (no messages).</summary>
public sealed class JournalSummaryDto
{
    public string Txid { get; set; } = "";

    public string State { get; set; } = "";

    public List<string> Steps { get; set; } = [];

    public DateTimeOffset First { get; set; }

    public DateTimeOffset Last { get; set; }

    public JournalFieldsDto Fields { get; set; } = new();

    /// <summary>The store revision of its last change (0 for archived requests).</summary>
    public long Revision { get; set; }
}

/// <summary>The answer of <c>GET /v1/journal?…</c>: one page of requests.</summary>
public sealed class JournalListDto
{
    public List<JournalSummaryDto> Requests { get; set; } = [];

    /// <summary>Pass as <c>after</c> to get the next page; null on the last one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Next { get; set; }
}

/// <summary>The answer of <c>POST /v1/admin/journal/export</c>: what one fold-and-export pass did.</summary>
public sealed class JournalExportDto
{
    /// <summary>Requests folded into history.</summary>
    public int Folded { get; set; }

    /// <summary>Export files written, in order.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>History segments removed by retention.</summary>
    public int Removed { get; set; }
}
