using System.Text.Json;

namespace Cairn.Contracts;

/// <summary>The body of <c>POST /v1/jobs</c>: a job to enqueue now or at a time.</summary>
public sealed class EnqueueJobDto
{
    /// <summary>See <see cref="JobDto.Type"/>.</summary>
    public string Type { get; set; } = "";

    /// <summary>JSON arguments (an object); absent: <c>{}</c>.</summary>
    public JsonElement? Args { get; set; }

    public string? Queue { get; set; }

    /// <summary>Run no earlier than this (UTC); absent or past: now.</summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>Run this many seconds from now (instead of <see cref="RunAt"/>).</summary>
    public double? DelaySeconds { get; set; }

    /// <summary>Absent: <c>Jobs:MaxAttempts</c>.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Absent: <c>Jobs:Timeout</c>.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>Absent: the type's <c>Jobs:MaxConcurrency:&lt;type&gt;</c> setting, if any.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>A second enqueue with the same key (while the first job exists) returns the first job and makes none.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Run only on this node.</summary>
    public string? Node { get; set; }
}

/// <summary>The answer of <c>GET /v1/jobs</c>: one page of jobs, by id.</summary>
public sealed class JobListDto
{
    public List<JobDto> Jobs { get; set; } = [];

    /// <summary>Pass as <c>after</c> for the next page; null on the last.</summary>
    public long? Next { get; set; }
}

/// <summary>A recurring job: a job enqueued on a schedule, exactly once per occurrence across the cluster. The body of
/// <c>PUT /v1/jobs/recurring/{name}</c> (the server fills the read-only fields).</summary>
public sealed class RecurringJobDto
{
    /// <summary>Its name (from the path): letters, digits, <c>. _ - :</c>, up to 200 characters.</summary>
    public string Name { get; set; } = "";

    public string Type { get; set; } = "";

    public JsonElement? Args { get; set; }

    public string? Queue { get; set; }

    /// <summary>A cron expression (5 fields, or 6 with seconds first), read in <see cref="TimeZone"/>. Give this or
    /// <see cref="Interval"/>.</summary>
    public string? Cron { get; set; }

    /// <summary>An IANA time zone for <see cref="Cron"/> (e.g. <c>Europe/London</c>); absent: UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The seed's interval schedule.</summary>
    public JobIntervalDto? Interval { get; set; }

    /// <summary>After downtime: <c>once</c> (default: one run now for all missed occurrences), <c>skip</c> (none; wait
    /// for the next), <c>all</c> (one run per missed occurrence, at most <c>Jobs:MaxMisfires</c>).</summary>
    public string? Misfire { get; set; }

    /// <summary>True (default): an occurrence whose previous run has not finished is skipped, so runs never overlap.</summary>
    public bool? NoOverlap { get; set; }

    public int? MaxAttempts { get; set; }

    public double? TimeoutSeconds { get; set; }

    public int? MaxConcurrency { get; set; }

    /// <summary>Read-only: when it fires next (UTC); null when its schedule has ended.</summary>
    public DateTimeOffset? NextAt { get; set; }

    /// <summary>Read-only: the last occurrence it fired (or skipped).</summary>
    public DateTimeOffset? LastOccurrence { get; set; }

    /// <summary>Read-only: the job the last firing made.</summary>
    public long? LastJob { get; set; }

    /// <summary>Read-only: how many jobs it has made.</summary>
    public long Fired { get; set; }

    /// <summary>Read-only.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Read-only: the store revision of its last change.</summary>
    public long Revision { get; set; }
}

/// <summary>The seed's interval schedule: <c>{"interval": "minutes|hours|days|weeks", "time_unit": N, "repeat": R}</c>.</summary>
public sealed class JobIntervalDto
{
    /// <summary><c>minutes</c>, <c>hours</c>, <c>days</c> or <c>weeks</c>.</summary>
    public string Unit { get; set; } = "";

    /// <summary>How many units between runs: a positive whole number.</summary>
    public int Every { get; set; }

    /// <summary>True (the seed's <c>1</c>): run every interval until removed; false (<c>0</c>): run once, one interval
    /// after it was made.</summary>
    public bool Repeat { get; set; } = true;

    /// <summary>Read-only: the instant intervals count from (its creation), UTC.</summary>
    public DateTimeOffset? Anchor { get; set; }
}

/// <summary>The answer of <c>GET /v1/jobs/recurring</c>.</summary>
public sealed class RecurringJobListDto
{
    public List<RecurringJobDto> Recurring { get; set; } = [];
}

/// <summary>The body of <c>POST /v1/jobs/claim</c>: a worker asks for one job.</summary>
public sealed class JobClaimRequestDto
{
    /// <summary>The worker's id (unique per worker process).</summary>
    public string Worker { get; set; } = "";

    /// <summary>The node the worker runs on (its host name for a remote worker).</summary>
    public string Node { get; set; } = "";

    /// <summary>The queues it takes jobs from, in order of preference.</summary>
    public List<string> Queues { get; set; } = [JobNames.DefaultQueue];

    /// <summary>The job types it can run (handler names, <c>script:*</c>, <c>pulzar:*</c>); a job of another type is left
    /// for another worker.</summary>
    public List<string> Types { get; set; } = [];

    /// <summary>How long to wait for a job when none is ready (long poll), at most 60.</summary>
    public double WaitSeconds { get; set; }
}

/// <summary>A claimed job: the answer of <c>POST /v1/jobs/claim</c> (204 when none came in the wait).</summary>
public sealed class JobClaimDto
{
    public JobDto Job { get; set; } = new();

    /// <summary>The attempt's number.</summary>
    public int Attempt { get; set; }

    /// <summary>The attempt's fencing token: every heartbeat, log write and completion names it.</summary>
    public long Token { get; set; }

    /// <summary>The claim expires this long after the last heartbeat; heartbeat at a third of it.</summary>
    public double LeaseSeconds { get; set; }
}

/// <summary>The body of <c>POST /v1/jobs/{id}/heartbeat</c> and <c>POST /v1/jobs/{id}/log</c>; 409 when the attempt is no
/// longer the job's current one (cancelled, or its claim expired): the worker must stop it.</summary>
public sealed class JobAttemptWriteDto
{
    public long Token { get; set; }

    /// <summary>For a log write: the text to append.</summary>
    public string? Text { get; set; }
}

/// <summary>The body of <c>POST /v1/jobs/{id}/complete</c>: how an attempt ended. 409 when it is stale.</summary>
public sealed class JobCompletionDto
{
    public long Token { get; set; }

    /// <summary>One of <see cref="JobOutcomes"/> (<c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>cancelled</c>).</summary>
    public string Outcome { get; set; } = JobOutcomes.Succeeded;

    public string? Error { get; set; }

    public int? ExitCode { get; set; }

    public JsonElement? Result { get; set; }

    /// <summary>Blob keys the attempt stored.</summary>
    public List<string>? Files { get; set; }
}

/// <summary>A piece of an attempt's log (as <c>/v1/jobs/{id}/log</c> and the job's event stream give it).</summary>
public sealed class JobLogChunkDto
{
    public int Attempt { get; set; }

    /// <summary>Position of the chunk within the attempt's log, from 0.</summary>
    public long Seq { get; set; }

    public string Text { get; set; } = "";

    public DateTimeOffset At { get; set; }
}

/// <summary>Name rules and defaults shared by the server, the client and the CLI.</summary>
public static class JobNames
{
    public const string DefaultQueue = "default";

    /// <summary>Prefix of a script job type.</summary>
    public const string ScriptPrefix = "script:";

    /// <summary>Prefix of a seed-style Python job type.</summary>
    public const string PulzarPrefix = "pulzar:";

    /// <summary>Whether <paramref name="name"/> is a valid queue, handler or recurring-job name: 1–200 characters of
    /// ASCII letters, digits and <c>. _ - :</c>, not starting with <c>.</c>.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 200 && name[0] != '.' &&
        name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' or ':');
}
