namespace Cairn.Server;

/// <summary>Periodic compaction of history (<c>Compaction:*</c>), run by the leader only.</summary>
public sealed class CompactionOptions
{
    /// <summary>Revisions of history kept behind the current one (default 100,000).</summary>
    public long RetainRevisions { get; set; } = 100_000;

    /// <summary>Seconds between compactions (default 300); 0 disables periodic compaction.</summary>
    public long IntervalSeconds { get; set; } = 300;
}
