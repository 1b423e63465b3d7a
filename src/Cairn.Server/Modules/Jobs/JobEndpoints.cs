using System.Globalization;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Jobs;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Jobs;

/// <summary>
/// <c>/v1/jobs</c>: enqueue, read, list, cancel, retry and delete jobs, read and follow their logs (Server-Sent Events),
/// manage recurring jobs, and the remote worker side (claim, heartbeat, log, complete) that <c>cairn worker</c> and
/// <c>Cairn.Client</c> workers use. Every error is a problem; every answer that read or wrote the store carries its
/// revision.
/// </summary>
internal static class JobEndpoints
{
    public const string Prefix = "/v1/jobs";
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private const double MaxClaimWaitSeconds = 60;

    /// <summary>The action that reads jobs, their logs and recurring jobs.</summary>
    public const string Read = "read";

    /// <summary>The action that enqueues a job (also retries one, triggers or saves a recurring one).</summary>
    public const string Launch = "launch";

    /// <summary>The action that cancels or deletes a job (or a recurring one).</summary>
    public const string Cancel = "cancel";

    /// <summary>The action of a worker: claim jobs, heartbeat, log and complete them.</summary>
    public const string Work = "work";

    public static void Map(IEndpointRouteBuilder app)
    {
        // A job's name, for permissions, is its type (a handler name, script:<path>, pulzar:<dir>/<name>), which is in the
        // body or in the job's record: the handlers check it (launch, cancel, read, work) before they change anything.
        app.MapPost(Prefix, EnqueueAsync).WithName("EnqueueJob").WithTags("jobs").Produces<JobDto>(StatusCodes.Status201Created).Produces<JobDto>()
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapGet(Prefix, ListAsync).WithName("ListJobs").WithTags("jobs").Produces<JobListDto>().AuthorizeInHandler(AuthResources.Jobs);
        app.MapGet(Prefix + "/{id:long}", GetAsync).WithName("GetJob").WithTags("jobs").Produces<JobDto>().AuthorizeInHandler(AuthResources.Jobs);
        app.MapDelete(Prefix + "/{id:long}", DeleteAsync).WithName("DeleteJob").WithTags("jobs").Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/{id:long}/cancel", CancelAsync).WithName("CancelJob").WithTags("jobs").Produces<JobDto>().AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/{id:long}/retry", RetryAsync).WithName("RetryJob").WithTags("jobs").Produces<JobDto>().AuthorizeInHandler(AuthResources.Jobs);
        app.MapGet(Prefix + "/{id:long}/log", LogAsync).WithName("GetJobLog").WithTags("jobs").Produces<string>(contentType: "text/plain")
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapGet(Prefix + "/{id:long}/events", EventsAsync).WithName("WatchJob").WithTags("jobs").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .AuthorizeInHandler(AuthResources.Jobs);

        app.MapGet(Prefix + "/recurring", ListRecurringAsync).WithName("ListRecurringJobs").WithTags("jobs").Produces<RecurringJobListDto>()
            .RequirePermission(AuthResources.Jobs, Read);
        app.MapGet(Prefix + "/recurring/{name}", GetRecurringAsync).WithName("GetRecurringJob").WithTags("jobs").Produces<RecurringJobDto>()
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPut(Prefix + "/recurring/{name}", PutRecurringAsync).WithName("PutRecurringJob").WithTags("jobs").Produces<RecurringJobDto>(StatusCodes.Status201Created).Produces<RecurringJobDto>()
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapDelete(Prefix + "/recurring/{name}", DeleteRecurringAsync).WithName("DeleteRecurringJob").WithTags("jobs").Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/recurring/{name}/trigger", TriggerRecurringAsync).WithName("TriggerRecurringJob").WithTags("jobs").Produces<JobDto>(StatusCodes.Status201Created)
            .AuthorizeInHandler(AuthResources.Jobs);

        app.MapPost(Prefix + "/claim", ClaimAsync).WithName("ClaimJob").WithTags("jobs", "workers").Produces<JobClaimDto>().Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/{id:long}/heartbeat", HeartbeatAsync).WithName("HeartbeatJob").WithTags("jobs", "workers").Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/{id:long}/log", AppendLogAsync).WithName("AppendJobLog").WithTags("jobs", "workers").Produces(StatusCodes.Status204NoContent)
            .AuthorizeInHandler(AuthResources.Jobs);
        app.MapPost(Prefix + "/{id:long}/complete", CompleteAsync).WithName("CompleteJob").WithTags("jobs", "workers").Produces<JobDto>()
            .AuthorizeInHandler(AuthResources.Jobs);
    }

    private static async Task EnqueueAsync(HttpContext context, JobStore store, ScriptJobs scripts)
    {
        var request = await Json.ReadAsync<EnqueueJobDto>(context).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Jobs, Launch, request.Type); // before the script is looked for
        var (job, created) = await EnqueueCheckedAsync(store, scripts, request, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = Prefix + "/" + job.Id.ToString(CultureInfo.InvariantCulture);
        await WriteJobAsync(context, job, created ? StatusCodes.Status201Created : StatusCodes.Status200OK).ConfigureAwait(false);
    }

    /// <summary>Enqueues after checking a script type (a name that could leave the directory or reach a shell: 400; no
    /// such script: 404), so that nothing is enqueued that no worker could ever run.</summary>
    public static Task<(JobDto Job, bool Created)> EnqueueCheckedAsync(JobStore store, ScriptJobs scripts, EnqueueJobDto request, CancellationToken cancellationToken)
    {
        CheckType(scripts, request.Type, "type");
        return store.EnqueueAsync(request, cancellationToken);
    }

    /// <summary>Resolves a <c>script:</c>/<c>pulzar:</c> type (400 for a bad name, 404 for a missing script); other
    /// types are handler names, which any worker may register.</summary>
    public static void CheckType(ScriptJobs scripts, string? type, string field)
    {
        if (string.IsNullOrEmpty(type))
        {
            throw new InvalidArgumentException($"'{field}' is required: a handler name, script:<path> or pulzar:<dir>/<name>.");
        }

        if (type.StartsWith(JobNames.ScriptPrefix, StringComparison.Ordinal) || type.StartsWith(JobNames.PulzarPrefix, StringComparison.Ordinal))
        {
            scripts.Resolve(type);
        }
    }

    private static async Task ListAsync(HttpContext context, JobStore store)
    {
        var state = RequestReading.Text(context, "state") is { Length: > 0 } s ? s : null;
        if (state is not null && !JobStates.All.Contains(state))
        {
            throw new InvalidArgumentException($"Query parameter 'state' must be one of {string.Join(", ", JobStates.All)}; got '{state}'.");
        }

        var queue = RequestReading.Text(context, "queue") is { Length: > 0 } q ? q : null;
        var type = RequestReading.Text(context, "type") is { Length: > 0 } t ? t : null;
        var after = RequestReading.Long(context, "after") ?? 0;
        if (after < 0)
        {
            throw new InvalidArgumentException($"Query parameter 'after' must not be negative; got {after}.");
        }

        var limit = RequestReading.Long(context, "limit") ?? DefaultPageSize;
        if (limit is < 1 or > MaxPageSize)
        {
            throw new InvalidArgumentException($"Query parameter 'limit' must be between 1 and {MaxPageSize}; got {limit}.");
        }

        // Listing the jobs of one type needs read on that type; of every type, on every type.
        Caller.Demand(context, AuthResources.Jobs, Read, type);
        await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        var page = await store.ListAsync(state, queue, type, after, (int)limit, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, page).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, JobStore store, long id)
    {
        var job = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Jobs, Read, job.Type);
        await WriteJobAsync(context, job, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, JobStore store, long id)
    {
        await DemandOnJobAsync(context, store, id, Cancel).ConfigureAwait(false);
        if (!await store.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoSuchJob(id);
        }

        await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task CancelAsync(HttpContext context, JobStore store, long id)
    {
        await DemandOnJobAsync(context, store, id, Cancel).ConfigureAwait(false);
        var job = await store.CancelAsync(id, "cancelled by a user", context.RequestAborted).ConfigureAwait(false);
        await WriteJobAsync(context, job, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static async Task RetryAsync(HttpContext context, JobStore store, long id)
    {
        await DemandOnJobAsync(context, store, id, Launch).ConfigureAwait(false);
        var job = await store.RetryAsync(id, context.RequestAborted).ConfigureAwait(false);
        await WriteJobAsync(context, job, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static async Task LogAsync(HttpContext context, JobStore store, long id)
    {
        var attemptText = RequestReading.Long(context, "attempt");
        if (attemptText is < 1 or > int.MaxValue)
        {
            throw new InvalidArgumentException($"Query parameter 'attempt' must be a positive attempt number; got {attemptText}.");
        }

        var job = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Jobs, Read, job.Type);
        var attempt = (int?)attemptText;
        if (attempt is { } n && n > job.Attempts.Count)
        {
            throw new NotFoundException($"Job {id} has no attempt {n} (it has {job.Attempts.Count}).");
        }

        var chunks = await store.ReadLogAsync(id, attempt, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, job.Revision);
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = attempt is null ? LogText(chunks, withHeaders: true) : LogText(chunks, withHeaders: false);
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The chunks' text in order; with <paramref name="withHeaders"/>, a line <c>--- attempt N ---</c> before
    /// each attempt's text.</summary>
    public static string LogText(IEnumerable<JobLogChunkDto> chunks, bool withHeaders)
    {
        var text = new StringBuilder();
        int? current = null;
        foreach (var chunk in chunks)
        {
            if (withHeaders && chunk.Attempt != current)
            {
                if (text.Length > 0 && text[^1] != '\n')
                {
                    text.Append('\n');
                }

                text.Append("--- attempt ").Append(chunk.Attempt.ToString(CultureInfo.InvariantCulture)).Append(" ---\n");
                current = chunk.Attempt;
            }

            text.Append(chunk.Text);
        }

        return text.ToString();
    }

    private static async Task EventsAsync(HttpContext context, JobStore store, long id)
    {
        // Settled before the stream starts: an unknown job is a 404, not an empty stream. The events carry no ids: a
        // stream that reconnects starts again from the job as it is then, which is all a client needs.
        var job = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Jobs, Read, job.Type);
        await ServerSentEvents.StreamAsync(
            context,
            job.Revision,
            job.Revision,
            token => store.FollowAsync(id, token),
            e => e switch
            {
                { Log: { } log } => new SseEvent("log", null, log),
                { Deleted: true } => new SseEvent("deleted", null, new { id }),
                { Job: { } changed } => new SseEvent("job", null, changed),
                _ => new SseEvent("job", null, new { id }),
            }).ConfigureAwait(false);
    }

    private static async Task ListRecurringAsync(HttpContext context, JobStore store, RecurringJobs recurring)
    {
        await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        var all = await recurring.ListAsync(context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new RecurringJobListDto { Recurring = [.. all] }).ConfigureAwait(false);
    }

    private static async Task GetRecurringAsync(HttpContext context, RecurringJobs recurring, string name)
    {
        CheckRecurringName(name);
        var found = await recurring.GetAsync(name, context.RequestAborted).ConfigureAwait(false) ?? throw NoSuchRecurring(name);
        Caller.Demand(context, AuthResources.Jobs, Read, found.Type);
        RevisionHeader.Set(context, found.Revision);
        await Json.WriteAsync(context, found).ConfigureAwait(false);
    }

    private static async Task PutRecurringAsync(HttpContext context, RecurringJobs recurring, ScriptJobs scripts, string name)
    {
        CheckRecurringName(name);
        var spec = await Json.ReadAsync<RecurringJobDto>(context).ConfigureAwait(false);
        if (spec.Name.Length > 0 && spec.Name != name)
        {
            throw new InvalidArgumentException($"'name' in the body ('{spec.Name}') differs from the name in the path ('{name}'); leave it out.");
        }

        spec.Name = name;
        Caller.Demand(context, AuthResources.Jobs, Launch, spec.Type);
        if (Caller.Of(context).IsRestricted
            && await recurring.GetAsync(name, context.RequestAborted).ConfigureAwait(false) is { } existing && existing.Type != spec.Type)
        {
            // Replacing another script's recurring job takes it over: the caller must be able to launch that one too.
            Caller.Demand(context, AuthResources.Jobs, Launch, existing.Type);
        }

        CheckType(scripts, spec.Type, "type");
        var (saved, created) = await recurring.UpsertAsync(spec, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, saved.Revision);
        context.Response.Headers.Location = Prefix + "/recurring/" + Uri.EscapeDataString(name);
        context.Response.StatusCode = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await Json.WriteAsync(context, saved).ConfigureAwait(false);
    }

    private static async Task DeleteRecurringAsync(HttpContext context, JobStore store, RecurringJobs recurring, string name)
    {
        CheckRecurringName(name);
        await DemandOnRecurringAsync(context, recurring, name, Cancel).ConfigureAwait(false);
        if (!await recurring.DeleteAsync(name, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoSuchRecurring(name);
        }

        await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task TriggerRecurringAsync(HttpContext context, RecurringJobs recurring, string name)
    {
        CheckRecurringName(name);
        await DemandOnRecurringAsync(context, recurring, name, Launch).ConfigureAwait(false);
        var job = await recurring.TriggerAsync(name, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = Prefix + "/" + job.Id.ToString(CultureInfo.InvariantCulture);
        await WriteJobAsync(context, job, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task ClaimAsync(HttpContext context, JobStore store)
    {
        var request = await Json.ReadAsync<JobClaimRequestDto>(context).ConfigureAwait(false);
        if (!double.IsFinite(request.WaitSeconds) || request.WaitSeconds is < 0 or > MaxClaimWaitSeconds)
        {
            throw new InvalidArgumentException($"'waitSeconds' must be between 0 and {MaxClaimWaitSeconds}; got {request.WaitSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        // A worker takes jobs of the types it names (a name, or a prefix ending in '*'; none: every type).
        if (request.Types.Count == 0)
        {
            Caller.Demand(context, AuthResources.Jobs, Work, null);
        }

        foreach (var type in request.Types)
        {
            if (type.EndsWith('*'))
            {
                Caller.DemandPrefix(context, AuthResources.Jobs, Work, type[..^1]);
            }
            else
            {
                Caller.Demand(context, AuthResources.Jobs, Work, type);
            }
        }

        var claim = await store.ClaimAsync(request, TimeSpan.FromSeconds(request.WaitSeconds), context.RequestAborted).ConfigureAwait(false);
        if (claim is null)
        {
            await SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        RevisionHeader.Set(context, claim.Token);
        await Json.WriteAsync(context, new JobClaimDto
        {
            Job = claim.Job,
            Attempt = claim.Attempt,
            Token = claim.Token,
            LeaseSeconds = claim.LeaseTtl.TotalSeconds,
        }).ConfigureAwait(false);
    }

    private static async Task HeartbeatAsync(HttpContext context, JobStore store, long id)
    {
        var write = await Json.ReadAsync<JobAttemptWriteDto>(context).ConfigureAwait(false);
        var claim = await ClaimOfAsync(context, store, id, write.Token).ConfigureAwait(false);
        if (!await store.HeartbeatAsync(claim, context.RequestAborted).ConfigureAwait(false))
        {
            throw Stale(id, claim.Attempt);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task AppendLogAsync(HttpContext context, JobStore store, long id)
    {
        var write = await Json.ReadAsync<JobAttemptWriteDto>(context).ConfigureAwait(false);
        if (write.Text is null)
        {
            throw new InvalidArgumentException("'text' is required: the text to append to the attempt's log.");
        }

        var claim = await ClaimOfAsync(context, store, id, write.Token).ConfigureAwait(false);
        await store.AppendLogAsync(claim, write.Text, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task CompleteAsync(HttpContext context, JobStore store, long id)
    {
        var completion = await Json.ReadAsync<JobCompletionDto>(context).ConfigureAwait(false);
        var claim = await ClaimOfAsync(context, store, id, completion.Token).ConfigureAwait(false);
        var job = await store.CompleteAsync(claim, completion, context.RequestAborted).ConfigureAwait(false);
        await WriteJobAsync(context, job, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    /// <summary>
    /// The claim a remote worker's call names, rebuilt from the job id and the token (the store checks only those): the
    /// attempt is the job's current one when the token is its claim's; otherwise the call is refused as stale (409) here,
    /// before anything is written. The caller must be a worker for the job's type.
    /// </summary>
    private static async Task<JobClaim> ClaimOfAsync(HttpContext context, JobStore store, long id, long token)
    {
        var cancellationToken = context.RequestAborted;
        if (token <= 0)
        {
            throw new InvalidArgumentException($"'token' must be the attempt's fencing token from the claim (a positive revision); got {token}.");
        }

        var job = await FindAsync(store, id, cancellationToken).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Jobs, Work, job.Type);
        var attempt = job.Attempts.LastOrDefault();
        if (job.State != JobStates.Processing || attempt is null || attempt.Token != token)
        {
            throw new ConflictException($"Token {token} is not the current attempt of job {id} (it is {job.State}{(attempt is null ? "" : $", attempt {attempt.Number}")}): the attempt is no longer current; stop it.");
        }

        return new JobClaim(job, attempt.Number, token, store.Options.ClaimTtl);
    }

    /// <summary>Refuses the request unless the caller may do <paramref name="action"/> on job <paramref name="id"/>'s type,
    /// read from its record first (a 404 when there is none); nothing is read when the caller is unrestricted.</summary>
    private static async Task DemandOnJobAsync(HttpContext context, JobStore store, long id, string action)
    {
        if (Caller.Of(context).IsRestricted)
        {
            var job = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
            Caller.Demand(context, AuthResources.Jobs, action, job.Type);
        }
    }

    /// <summary>The same for recurring job <paramref name="name"/>.</summary>
    private static async Task DemandOnRecurringAsync(HttpContext context, RecurringJobs recurring, string name, string action)
    {
        if (Caller.Of(context).IsRestricted)
        {
            var found = await recurring.GetAsync(name, context.RequestAborted).ConfigureAwait(false) ?? throw NoSuchRecurring(name);
            Caller.Demand(context, AuthResources.Jobs, action, found.Type);
        }
    }

    private static ConflictException Stale(long id, int attempt) =>
        new($"Attempt {attempt} of job {id} is no longer current (cancelled, or its claim expired); stop it.");

    private static async Task<JobDto> FindAsync(JobStore store, long id, CancellationToken cancellationToken)
    {
        CheckId(id);
        return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NoSuchJob(id);
    }

    /// <summary>Refuses an id no job can have (ids are positive).</summary>
    public static void CheckId(long id)
    {
        if (id <= 0)
        {
            throw new InvalidArgumentException($"A job id is a positive integer; got {id}.");
        }
    }

    public static NotFoundException NoSuchJob(long id) => new($"There is no job {id} (never enqueued, deleted, or folded away after its retention).");

    private static NotFoundException NoSuchRecurring(string name) => new($"There is no recurring job '{name}'.");

    private static void CheckRecurringName(string name)
    {
        if (!JobNames.IsValidName(name))
        {
            throw new InvalidArgumentException($"A recurring job's name is 1-200 ASCII letters, digits and . _ - : (not starting with '.'); got '{name}'.");
        }
    }

    private static async Task WriteJobAsync(HttpContext context, JobDto job, int status)
    {
        RevisionHeader.Set(context, job.Revision);
        context.Response.StatusCode = status;
        await Json.WriteAsync(context, job).ConfigureAwait(false);
    }

    /// <summary>Sets the revision header to the store's current revision (a cheap count of one key), before a read that
    /// spans many keys: the answer is at least that new.</summary>
    public static async Task SetCurrentRevisionAsync(HttpContext context, JobStore store)
    {
        try
        {
            var probe = await store.Keyspace.RangeAsync(new RangeRequest(KeyRange.Single(JobKeys.Ids)) { CountOnly = true }, context.RequestAborted).ConfigureAwait(false);
            RevisionHeader.Set(context, probe.Revision);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
        }
    }
}
