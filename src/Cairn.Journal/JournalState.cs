using Cairn.Contracts;

namespace Cairn.Journal;

/// <summary>Where a request stands, from its steps: a commit step wins over abort, abort over begin.</summary>
public enum JournalState
{
    /// <summary>Steps exist, but none of begin, commit or abort (the seed answers such a request "not found").</summary>
    Unknown,

    /// <summary>Begun, neither committed nor aborted.</summary>
    InProgress,

    /// <summary>Has a commit step.</summary>
    Committed,

    /// <summary>Has an abort step and no commit step.</summary>
    Aborted,
}

/// <summary>Conversions of <see cref="JournalState"/> to and from its wire names.</summary>
public static class JournalStates
{
    /// <summary>The state a set of step names gives.</summary>
    public static JournalState From(IEnumerable<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var set = steps as ISet<string> ?? steps.ToHashSet(StringComparer.Ordinal);
        return set.Contains(JournalNames.Commit) ? JournalState.Committed
            : set.Contains(JournalNames.Abort) ? JournalState.Aborted
            : set.Contains(JournalNames.Begin) ? JournalState.InProgress
            : JournalState.Unknown;
    }

    /// <summary>True for committed and aborted.</summary>
    public static bool IsFinished(this JournalState state) => state is JournalState.Committed or JournalState.Aborted;

    /// <summary>The wire name: <c>unknown</c>, <c>in-progress</c>, <c>committed</c>, <c>aborted</c>.</summary>
    public static string ToWire(this JournalState state) => state switch
    {
        JournalState.InProgress => "in-progress",
        JournalState.Committed => "committed",
        JournalState.Aborted => "aborted",
        _ => "unknown",
    };

    /// <summary>Parses a wire name (case-insensitive); false when it is none.</summary>
    public static bool TryParse(string? text, out JournalState state)
    {
        state = text?.ToLowerInvariant() switch
        {
            "in-progress" or "inprogress" or "in_progress" => JournalState.InProgress,
            "committed" => JournalState.Committed,
            "aborted" => JournalState.Aborted,
            "unknown" => JournalState.Unknown,
            _ => (JournalState)(-1),
        };
        return (int)state >= 0;
    }
}
