using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Jobs;

/// <summary>
/// Where a <see cref="JobWorker"/> gets jobs and reports on them: the <see cref="JobStore"/> itself inside a server, or the
/// HTTP API (<c>Cairn.Client</c>) in a <c>cairn worker</c> or a .NET application. Every call after the claim names the
/// attempt's fencing token; a stale one is refused.
/// </summary>
public interface IJobSource
{
    /// <summary>Claims one ready job this worker can run, waiting up to <paramref name="wait"/> for one; null when none came.</summary>
    Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>Extends the claim by the claim TTL. False when the attempt is no longer the job's current one (cancelled,
    /// or its claim expired): the worker must stop it.</summary>
    Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Appends <paramref name="text"/> to the attempt's log.</summary>
    /// <exception cref="Core.ConflictException">The attempt is stale; nothing was written.</exception>
    Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default);

    /// <summary>Records how the attempt ended and moves the job on (succeeded; retry with backoff; failed; cancelled).</summary>
    /// <exception cref="Core.ConflictException">The attempt is stale (cancelled, expired, or another attempt runs now);
    /// nothing was written.</exception>
    Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default);

    /// <summary>Completes when the attempt stops being the job's current one (a user cancelled it, or its claim expired),
    /// so the worker stops it at once rather than at its next heartbeat. Never completes while the attempt is current.</summary>
    Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default);
}

/// <summary>A claimed job: one attempt a worker now owns.</summary>
/// <param name="Job">The job as it was claimed (state <c>processing</c>, the new attempt last).</param>
/// <param name="Attempt">The attempt's number (1 for the first).</param>
/// <param name="Token">The attempt's fencing token (the revision of the claim).</param>
/// <param name="LeaseTtl">The claim expires this long after the last heartbeat.</param>
public sealed record JobClaim(JobDto Job, int Attempt, long Token, TimeSpan LeaseTtl)
{
    /// <summary>The job's id.</summary>
    public long JobId => Job.Id;

    /// <summary>The job's arguments.</summary>
    public JsonElement Args => Job.Args;
}
