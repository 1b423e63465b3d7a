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
