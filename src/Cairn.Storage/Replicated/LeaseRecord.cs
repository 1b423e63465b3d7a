namespace Cairn.Storage.Replicated;

/// <summary>A lease as the replicated state holds it: its TTL, its deadline (UTC ticks, written into the log by the
/// node that granted or renewed it, so that every node agrees), and the keys attached to it.</summary>
/// <remarks>Changed only by the sequencer, under the <see cref="LeaseTable"/>'s lock.</remarks>
internal sealed class LeaseRecord(long id, long ttlSeconds, long deadlineTicks)
{
    public long Id { get; } = id;

    public long TtlSeconds { get; } = ttlSeconds;

    public long DeadlineTicks { get; set; } = deadlineTicks;

    /// <summary>The nodes of the live keys put with this lease.</summary>
    public HashSet<KeyNode> Keys { get; } = [];

    /// <summary>Expired at <paramref name="nowTicks"/>: gone for every reader, though not yet revoked.</summary>
    public bool IsExpired(long nowTicks) => DeadlineTicks <= nowTicks;

    /// <summary>Whole seconds left at <paramref name="nowTicks"/>, rounded up.</summary>
    public long RemainingSeconds(long nowTicks) =>
        DeadlineTicks <= nowTicks ? 0 : (long)Math.Ceiling((DeadlineTicks - nowTicks) / (double)TimeSpan.TicksPerSecond);
}
