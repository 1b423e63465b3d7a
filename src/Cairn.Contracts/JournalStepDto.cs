using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>One step of a request, with its message inline (also the data of an SSE <c>step</c> event).</summary>
public sealed class JournalStepDto
{
    public string Step { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public long Revision { get; set; }

    public string Node { get; set; } = "";

    /// <summary><c>primary</c>, <c>secondary</c> or <c>history</c>.</summary>
    public string Source { get; set; } = "";

    /// <summary>The step's JSON message, inline. A message holding <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c> (accepted
    /// as Python's json took them, but not JSON a reader here can take) has each as the string <c>"NaN"</c>,
    /// <c>"Infinity"</c> or <c>"-Infinity"</c>; <see cref="MessageText"/> then has it as sent.</summary>
    public JsonElement? Message { get; set; }

    /// <summary>The message exactly as sent, only when <see cref="Message"/> is not it (it holds <c>NaN</c>,
    /// <c>Infinity</c> or <c>-Infinity</c>); otherwise absent.</summary>
    public string? MessageText { get; set; }
}
