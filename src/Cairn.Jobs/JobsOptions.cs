namespace Cairn.Jobs;

/// <summary>Settings of the job system on one node (section <c>Jobs</c> of the server). Every node of a cluster should
/// have the same values, except <see cref="NodeId"/>.</summary>
public sealed class JobsOptions
{
    /// <summary>The clock: states' times, backoff, schedules, claim expiry, timeouts. The server's one clock (fake in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>This node's id (written into attempts, and the node a <see cref="Contracts.JobDto.Node"/>-pinned job needs).</summary>
    public string NodeId { get; init; } = Environment.MachineName;

    /// <summary>Attempts a job has in all unless its enqueue says otherwise.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>How long one attempt may run unless its enqueue says otherwise.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A claim expires this long after its worker's last heartbeat (workers heartbeat at a third of it); then
    /// the attempt is <c>lost</c> and the job retried.</summary>
    public TimeSpan ClaimTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first retry waits about this long; each next one twice as long (with ±25 % jitter), up to
    /// <see cref="MaxBackoff"/>.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Finished jobs (succeeded, failed, cancelled) and their logs are deleted this long after they finished.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>An occurrence fired later than this after its time counts as missed (the recurring job's misfire policy
    /// applies).</summary>
    public TimeSpan MisfireGrace { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The most runs the <c>all</c> misfire policy makes for one downtime.</summary>
    public int MaxMisfires { get; init; } = 100;

    /// <summary>An attempt's log is cut (with a note) past this many bytes.</summary>
    public int MaxLogBytes { get; init; } = 1024 * 1024;

    /// <summary>Default per-type concurrency limits (type → most running at once), applied at enqueue when the enqueue
    /// gives none.</summary>
    public IReadOnlyDictionary<string, int> MaxConcurrency { get; init; } = new Dictionary<string, int>();

    /// <summary>The jitter source (seeded in tests).</summary>
    public Random Random { get; init; } = Random.Shared;
}
