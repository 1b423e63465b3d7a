using System.Text.Json;

namespace Cairn.Contracts;

/// <summary>
/// A job, as <c>/v1/jobs</c> answers it and as the keyspace stores it (one JSON value under
/// <c>/cairn/jobs/job/&lt;id&gt;</c>): what runs, where it stands, and every attempt so far. Times are UTC.
/// </summary>
public sealed class JobDto
{
    /// <summary>The job's id: a positive integer, unique in the keyspace, increasing in enqueue order per node.</summary>
    public long Id { get; set; }

    /// <summary>What runs: <c>script:&lt;path&gt;</c> (an executable under <c>Jobs:Directory</c>), <c>pulzar:&lt;dir&gt;/&lt;name&gt;</c>
    /// (a seed-style Python job <c>&lt;dir&gt;/&lt;name&gt;.py</c> run by the shim), or the name of a registered .NET handler.</summary>
    public string Type { get; set; } = "";

    /// <summary>The job's JSON arguments (an object; <c>{}</c> when none were given).</summary>
    public JsonElement Args { get; set; }

    /// <summary>The queue it waits in; <c>default</c> unless given.</summary>
    public string Queue { get; set; } = JobNames.DefaultQueue;

    /// <summary>One of <see cref="JobStates"/>.</summary>
    public string State { get; set; } = "";

    /// <summary>Why it is in that state, in words (e.g. <c>retry 2 of 5 in 40s: exit code 1</c>, <c>cancelled by a user</c>).</summary>
    public string? Reason { get; set; }

    /// <summary>When it was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it entered its current state.</summary>
    public DateTimeOffset StateAt { get; set; }

    /// <summary>While <c>scheduled</c>: when it becomes <c>enqueued</c> (a delayed job, or a retry's backoff).</summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>How many attempts it may have in all before it is <c>failed</c> for good.</summary>
    public int MaxAttempts { get; set; }

    /// <summary>How long one attempt may run before it is stopped (its process tree killed) and counted as failed.</summary>
    public double TimeoutSeconds { get; set; }

    /// <summary>At most this many jobs of the same <see cref="Type"/> run at once across the cluster; null: no limit.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>The enqueue's idempotency key, if it had one: a second enqueue with it returns this job.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Only workers on this node may run it (a <c>pulzar_data</c> job runs where its blob is); null: any node.</summary>
    public string? Node { get; set; }

    /// <summary>The recurring job that fired it, if any.</summary>
    public string? Recurring { get; set; }

    /// <summary>The occurrence it was fired for (a recurring job's scheduled time), if any.</summary>
    public DateTimeOffset? Occurrence { get; set; }

    /// <summary>The attempts, oldest first; the last one is running while the job is <c>processing</c>.</summary>
    public List<JobAttemptDto> Attempts { get; set; } = [];

    /// <summary>What the last successful attempt returned (a handler's result, or a script's JSON on fd 3), if anything.</summary>
    public JsonElement? Result { get; set; }

    /// <summary>Blob keys of files the job returned (under <c>/v1/blobs</c>), kept for <c>Jobs:ResultRetention</c>.</summary>
    public List<string>? Files { get; set; }

    /// <summary>The store revision of the job's last change (filled in when read; not stored).</summary>
    public long Revision { get; set; }
}

/// <summary>One attempt to run a job.</summary>
public sealed class JobAttemptDto
{
    /// <summary>1 for the first attempt.</summary>
    public int Number { get; set; }

    /// <summary>The fencing token: the store revision of the claim that started the attempt. A completion, heartbeat or
    /// log write that names another token is refused.</summary>
    public long Token { get; set; }

    /// <summary>The worker that claimed it (unique per worker process).</summary>
    public string Worker { get; set; } = "";

    /// <summary>The node the worker runs on (its server's node id, or the host name of a <c>cairn worker</c>).</summary>
    public string Node { get; set; } = "";

    /// <summary>When it was claimed.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When it ended; null while it runs.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>null while it runs, then one of <see cref="JobOutcomes"/>.</summary>
    public string? Outcome { get; set; }

    /// <summary>What went wrong, in one line, when it did not succeed (e.g. <c>PULZAR_ERROR::division by zero</c>).</summary>
    public string? Error { get; set; }

    /// <summary>A script's exit code, if it ran one and it exited.</summary>
    public int? ExitCode { get; set; }
}

/// <summary>The states of a job. Every change of state is one transaction on the job's key.</summary>
/// <remarks>
/// <code>
///   enqueue ─┬─ run_at in the future ──► scheduled ──(due)──┐
///            └──────────────────────────────────────────────┴─► enqueued ──(claimed)──► processing ──► succeeded
///   processing ──(failed, timed out, worker lost; attempts left)──► scheduled (backoff) ──► enqueued …
///   processing ──(failed, no attempts left)──► failed          any unfinished ──(cancel)──► cancelled
///   failed | cancelled | succeeded ──(retry)──► enqueued
/// </code>
/// </remarks>
public static class JobStates
{
    public const string Scheduled = "scheduled";
    public const string Enqueued = "enqueued";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Every state, in the order of the diagram.</summary>
    public static readonly IReadOnlyList<string> All = [Scheduled, Enqueued, Processing, Succeeded, Failed, Cancelled];

    /// <summary>Whether <paramref name="state"/> is final (nothing happens to the job unless a user retries it).</summary>
    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}

/// <summary>How an attempt ended.</summary>
public static class JobOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";

    /// <summary>Its worker stopped heartbeating (died, or was cut off) and its claim expired.</summary>
    public const string Lost = "lost";
    public const string Cancelled = "cancelled";
}
