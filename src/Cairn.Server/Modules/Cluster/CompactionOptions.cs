using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Cluster;

/// <summary>Periodic compaction of history (<c>Compaction:*</c>), run by the leader only.</summary>
public sealed class CompactionOptions
{
    /// <summary>Revisions of history kept behind the current one (default 100,000).</summary>
    public long RetainRevisions { get; set; } = 100_000;

    /// <summary>Time between compactions (a duration; default 5m); 0 disables periodic compaction.</summary>
    public string? Interval { get; set; }

    /// <summary>The old name of <see cref="Interval"/>: a number of seconds.</summary>
    public string? IntervalSeconds { get; set; }
}
