namespace Cairn.Contracts;

/// <summary><c>GET /readyz</c> when the server accepts writes (otherwise a 503 problem saying why not).</summary>
public sealed record ReadyDto
{
    /// <summary><c>ready</c>.</summary>
    public string Status { get; init; } = "ready";

    /// <summary>The store revision it answered at.</summary>
    public long Revision { get; init; }
}
