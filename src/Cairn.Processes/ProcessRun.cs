namespace Cairn.Processes;

/// <summary>What one start of a program through a <see cref="ProcessSandbox"/> needs besides the program.</summary>
public sealed record ProcessRun
{
    /// <summary>The program's <c>HOME</c>; null: the user's home directory, or <c>/</c> when it has none.</summary>
    public string? Home { get; init; }

    /// <summary>Start it as the leader of a new session and process group (setsid), so that the group can be killed
    /// whole; its process id is then the group's id.</summary>
    public bool NewSession { get; init; }

    /// <summary>The run's wall-clock timeout, from which the CPU limit is derived when
    /// <see cref="ProcessLimits.MaxCpuSeconds"/> is not set; null or zero: none.</summary>
    public TimeSpan? Timeout { get; init; }
}
