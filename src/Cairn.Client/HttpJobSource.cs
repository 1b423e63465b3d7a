using Cairn.Contracts;
using Cairn.Core;
using Cairn.Jobs;

namespace Cairn.Client;

/// <summary>
/// The job source of a worker outside the server (a <c>cairn worker</c>, or a .NET application hosting its own
/// <see cref="IJobHandler"/>s): claims, heartbeats, log writes and completions over <c>/v1/jobs</c>, each naming the
/// attempt's fencing token, so a worker that lost its claim (cut off, paused, or its job cancelled) cannot change the job.
/// </summary>
/// <remarks>Thread-safe; one source serves all of a worker's attempts. It does not own the client.</remarks>
public sealed class HttpJobSource : IJobSource
{
    /// <summary>The most a claim waits on the server (the route's limit).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    // The long poll must end on the server before the client's request timeout does, else a quiet queue would look
    // like an unreachable server.
    private static readonly TimeSpan TimeoutMargin = TimeSpan.FromSeconds(10);

    private readonly CairnClient _client;

    /// <summary>A source over <paramref name="client"/>.</summary>
    /// <param name="client">The client; the caller keeps ownership of it and must keep it open while the source is used.</param>
    public HttpJobSource(CairnClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>The client the source talks through.</summary>
    public CairnClient Client => _client;

    /// <inheritdoc />
    /// <remarks>The wait is capped at <see cref="MaxWait"/> and to fit in the client's request timeout.</remarks>
    public async Task<JobClaim?> ClaimAsync(JobClaimRequestDto request, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = _client.RequestTimeout == Timeout.InfiniteTimeSpan ? MaxWait : _client.RequestTimeout - TimeoutMargin;
        var capped = TimeSpan.FromTicks(Math.Clamp(wait.Ticks, 0, Math.Max(0, Math.Min(MaxWait.Ticks, limit.Ticks))));
        var sent = new JobClaimRequestDto
        {
            Worker = request.Worker,
            Node = request.Node,
            Queues = request.Queues,
            Types = request.Types,
            WaitSeconds = capped.TotalSeconds,
        };
        var claim = await _client.ClaimJobAsync(sent, cancellationToken).ConfigureAwait(false);
        return claim is null ? null : new JobClaim(claim.Job, claim.Attempt, claim.Token, TimeSpan.FromSeconds(claim.LeaseSeconds));
    }

    /// <inheritdoc />
    public Task<bool> HeartbeatAsync(JobClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return _client.HeartbeatJobAsync(claim.JobId, claim.Token, cancellationToken);
    }

    /// <inheritdoc />
    public async Task AppendLogAsync(JobClaim claim, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            await _client.AppendJobLogAsync(claim.JobId, claim.Token, text, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw Deleted(claim, ex);
        }
    }

    /// <inheritdoc />
    public async Task<JobDto> CompleteAsync(JobClaim claim, JobCompletionDto completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(completion);
        completion.Token = claim.Token;
        try
        {
            return await _client.CompleteJobAsync(claim.JobId, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw Deleted(claim, ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>Follows the job's event stream (reconnecting when it drops) and completes when the job is no longer
    /// processing this attempt (cancelled, expired and moved on, finished by someone else) or has been deleted.</remarks>
    public async Task WhenFencedAsync(JobClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        while (true)
        {
            try
            {
                await foreach (var change in _client.FollowJobAsync(claim.JobId, cancellationToken).ConfigureAwait(false))
                {
                    if (change.Job is { } job && IsFenced(job, claim))
                    {
                        return;
                    }
                }

                // The stream ended: the job reached a final state or was deleted, and either way this attempt is over.
                return;
            }
            catch (NotFoundException)
            {
                return; // deleted before the stream opened
            }
            catch (UnavailableException)
            {
                // The first connection failed (the server is away): try again; heartbeats decide meanwhile.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether <paramref name="job"/> shows that <paramref name="claim"/>'s attempt is no longer its current one.</summary>
    internal static bool IsFenced(JobDto job, JobClaim claim)
    {
        if (job.State != JobStates.Processing || job.Attempts.Count == 0)
        {
            return true;
        }

        var current = job.Attempts[^1];
        return current.Number != claim.Attempt || (current.Token != 0 && current.Token != claim.Token);
    }

    private static ConflictException Deleted(JobClaim claim, NotFoundException ex) =>
        new($"Attempt {claim.Attempt} of job {claim.JobId} is no longer current: the job was deleted ({ex.Message}).");
}
