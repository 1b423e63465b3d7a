namespace Cairn.Coordination.Runs;

/// <summary>Limits of the runs module.</summary>
public sealed record RunOptions
{
    /// <summary>Largest parameter value in UTF-8 bytes; more is 413.</summary>
    public int MaxParameterBytes { get; init; } = 64 * 1024;

    /// <summary>Most node indexes in one run's topology.</summary>
    public int MaxIndexes { get; init; } = 10_000;
}
