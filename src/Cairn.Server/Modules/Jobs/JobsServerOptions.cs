namespace Cairn.Server.Modules.Jobs;

/// <summary>
/// The <c>Jobs</c> section (<c>CAIRN_JOBS__*</c>): the job system's defaults and this node's share of the work. Every
/// node of a cluster should have the same values except <see cref="Workers"/> and <see cref="Queues"/>. Durations are
/// read as every duration in Cairn is (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>, a number of seconds, <c>hh:mm:ss</c>).
/// Default concurrency limits per job type are <c>Jobs:MaxConcurrency:&lt;type&gt;</c> = the most running at once across
/// the cluster (read by <see cref="JobsModule"/> itself: a type such as <c>script:report.sh</c> has a colon, which the
/// configuration reads as a section separator).
/// </summary>
public sealed class JobsServerOptions
{
    /// <summary>Serve <c>/v1/jobs</c> and the Pulzar job routes, run jobs and recurring schedules (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where <c>script:</c> and <c>pulzar:</c> jobs are found (relative to the working directory, as
    /// <c>Extensions:Directory</c>). Default <c>./jobs</c>, the seed's <c>app/jobs</c>.</summary>
    public string Directory { get; set; } = "./jobs";

    /// <summary>The Python interpreter for seed-style jobs (default <c>python3</c>, looked up on the jobs' <c>PATH</c>).</summary>
    public string Python { get; set; } = "python3";

    /// <summary>Where jobs get their scratch directories, the shim of seed-style jobs and copies of their data files.
    /// Default <c>DATADIR/jobs-work</c> when jobs run as the server's user; <c>$TMPDIR/cairn-jobs-&lt;server user&gt;</c>
    /// when they run as another (the data directory is closed to it). The jobs' user and limits are
    /// <see cref="Hosting.ProcessSettings"/> (<c>Jobs:RunAs</c>, <c>Jobs:MaxMemoryBytes</c>, …).</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>How many jobs this node runs at once (default: the number of processors). 0: this node runs none (its
    /// API, schedules and maintenance still work), e.g. when <c>cairn worker</c> processes do the work.</summary>
    public int? Workers { get; set; }

    /// <summary>The queues this node's worker takes jobs from, in order of preference (default <c>default</c>); a
    /// comma-separated string is accepted too.</summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>Attempts a job has in all unless its enqueue says otherwise (default 5).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>How long one attempt may run unless its enqueue says otherwise (default 1h).</summary>
    public string? Timeout { get; set; }

    /// <summary>A claim expires this long after its worker's last heartbeat (default 30s); then the attempt is lost and
    /// the job retried.</summary>
    public string? ClaimTtl { get; set; }

    /// <summary>The first retry waits about this long, each next one twice as long (default 15s).</summary>
    public string? Backoff { get; set; }

    /// <summary>The longest wait between two attempts (default 1h).</summary>
    public string? MaxBackoff { get; set; }

    /// <summary>Finished jobs and their logs are deleted this long after they finished (default 7d).</summary>
    public string? Retention { get; set; }

    /// <summary>Files jobs return (blobs <c>jobs/&lt;id&gt;/&lt;attempt&gt;/&lt;name&gt;</c>) are kept this long (default 7d).</summary>
    public string? ResultRetention { get; set; }

    /// <summary>An occurrence fired later than this after its time counts as missed (default 1m).</summary>
    public string? MisfireGrace { get; set; }
}
