namespace Cairn.Core;

/// <summary>A state machine was asked for a transition its graph does not declare (HTTP 422).</summary>
/// <param name="from">The state the transition leaves.</param>
/// <param name="to">The state it asked for.</param>
/// <param name="message">The message; absent: one naming both states.</param>
public sealed class InvalidTransitionException(string from, string to, string? message = null)
    : CairnException(message ?? $"'{from}' → '{to}' is not a transition of the run's graph.")
{
    /// <summary>The state the transition leaves.</summary>
    public string From { get; } = from;

    /// <summary>The state it asked for.</summary>
    public string To { get; } = to;

    /// <inheritdoc />
    public override string Code => ErrorCodes.InvalidTransition;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["from"] = From, ["to"] = To };
}
