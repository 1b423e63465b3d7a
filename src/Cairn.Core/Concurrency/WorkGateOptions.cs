namespace Cairn.Core.Concurrency;

/// <summary>Settings of a <see cref="WorkGate"/>.</summary>
public sealed record WorkGateOptions
{
    /// <summary>What the gate admits, as a refusal names it: <c>extension</c> gives "The extension queue is full…".</summary>
    public required string Name { get; init; }

    /// <summary>Most runs at once. Default: the number of processors, at least 2.</summary>
    public int MaxConcurrent { get; init; } = DefaultMaxConcurrent;

    /// <summary>Most callers waiting for a turn; the next one is refused at once. Default 100.</summary>
    public int MaxQueued { get; init; } = 100;

    /// <summary>Longest wait for a turn; a caller still waiting then is refused. Default 30 s.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What a refusal tells the caller to wait before retrying (HTTP <c>Retry-After</c>). Default 1 s.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings section of the limits (e.g. <c>Extensions</c>), which a refusal names; optional.</summary>
    public string? SettingsSection { get; init; }

    /// <summary>Where the gate reports its running and queued counts and its refusals; optional.</summary>
    public WorkGateInstruments? Instruments { get; init; }

    /// <summary>The default of <see cref="MaxConcurrent"/>: the number of processors, at least 2.</summary>
    public static int DefaultMaxConcurrent => Math.Max(2, Environment.ProcessorCount);
}
