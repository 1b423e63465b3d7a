using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

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
