using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

// Members still to come (step 2 and 3 of the store's work).
public sealed partial class JobStore
{
    /// <summary>Cancels a job that has not finished (a running attempt is fenced, and its worker stops it).</summary>
    public Task<JobDto> CancelAsync(long id, string? reason = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Enqueues a finished job again.</summary>
    public Task<JobDto> RetryAsync(long id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes a job that is not processing, with its log.</summary>
    public Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Follows a job.</summary>
    public IAsyncEnumerable<JobEvent> FollowAsync(long id, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Scheduled jobs whose time has come → enqueued.</summary>
    public Task<int> PromoteDueAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Processing jobs whose claim expired → lost.</summary>
    public Task<int> RecoverExpiredAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes finished jobs older than the retention.</summary>
    public Task<int> FoldAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>When the next scheduled job is due.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
