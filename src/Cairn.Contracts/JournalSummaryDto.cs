using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

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
