using Cairn.Contracts;

namespace Cairn.Client;

/// <summary>A query over jobs (<c>GET /v1/jobs?…</c>); every filter given must match. Paging is by job id: pass a page's
/// <see cref="JobListDto.Next"/> as <see cref="After"/>.</summary>
public sealed record JobListQuery
{
    /// <summary>Only jobs in this state (one of <see cref="JobStates"/>).</summary>
    public string? State { get; init; }

    /// <summary>Only jobs in this queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Only jobs of this type.</summary>
    public string? Type { get; init; }

    /// <summary>Paging: only jobs with a greater id.</summary>
    public long? After { get; init; }

    /// <summary>At most this many (the server caps it).</summary>
    public int? Limit { get; init; }
}

/// <summary>What an enqueue did: the job, and whether this call made it (false when its idempotency key had made it
/// before, so a retried enqueue is safe).</summary>
/// <param name="Job">The job now in the store.</param>
/// <param name="Created">True when this call created it (201), false when an earlier enqueue with the same idempotency
/// key had (200).</param>
public sealed record JobEnqueueResult(JobDto Job, bool Created);

/// <summary>What a put of a recurring job did.</summary>
/// <param name="Recurring">The recurring job as stored, with the server's read-only fields (next firing, …).</param>
/// <param name="Created">True when the name was new (201), false when it replaced a recurring job (200).</param>
public sealed record RecurringJobPutResult(RecurringJobDto Recurring, bool Created);

/// <summary>One event of a job's stream (<c>GET /v1/jobs/{id}/events</c>): the job changed, or its log grew. Exactly one
/// of <see cref="Job"/> and <see cref="Log"/> is set.</summary>
/// <param name="Job">The job after a change of state (or as it stood when the stream began).</param>
/// <param name="Log">A piece of an attempt's log.</param>
public sealed record JobStreamEvent(JobDto? Job, JobLogChunkDto? Log);
