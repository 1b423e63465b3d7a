using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>The job system over <c>/v1/jobs</c>: enqueue, inspect, cancel, retry and follow jobs; recurring jobs; and the
/// worker routes (claim, heartbeat, log, complete) that <see cref="HttpJobSource"/> runs a worker on.</summary>
public sealed partial class CairnClient
{
    /// <summary>Enqueues a job (<c>POST /v1/jobs</c>) to run now, at <see cref="EnqueueJobDto.RunAt"/>, or after
    /// <see cref="EnqueueJobDto.DelaySeconds"/>.</summary>
    /// <param name="job">What to run and how.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job, and whether this call created it: with an <see cref="EnqueueJobDto.IdempotencyKey"/> that an
    /// earlier enqueue used, the earlier job comes back and nothing new is made, so a retried enqueue never runs twice.</returns>
    /// <exception cref="InvalidArgumentException">A bad type, queue, argument or limit (the message names the field).</exception>
    public Task<JobEnqueueResult> EnqueueJobAsync(EnqueueJobDto job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return SendAsync(JsonRequest(HttpMethod.Post, "v1/jobs", job), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            var stored = await ReadJsonAsync<JobDto>(response, ct).ConfigureAwait(false);
            return new JobEnqueueResult(stored, response.StatusCode == HttpStatusCode.Created);
        }, cancellationToken);
    }

    /// <summary>Enqueues a job of <paramref name="type"/> with JSON arguments given as text; see
    /// <see cref="EnqueueJobAsync(EnqueueJobDto, CancellationToken)"/>.</summary>
    /// <param name="type">The job type: a handler name, <c>script:&lt;path&gt;</c> or <c>pulzar:&lt;dir&gt;/&lt;name&gt;</c>.</param>
    /// <param name="argsJson">A JSON object; null: <c>{}</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job (always newly created: there is no idempotency key).</returns>
    public async Task<JobDto> EnqueueJobAsync(string type, string? argsJson = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        var dto = new EnqueueJobDto { Type = type, Args = argsJson is null ? null : ParseArgs(argsJson) };
        return (await EnqueueJobAsync(dto, cancellationToken).ConfigureAwait(false)).Job;
    }

    /// <summary>A job with its attempts (<c>GET /v1/jobs/{id}</c>).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job, or null when there is none (never made, deleted, or removed after retention).</returns>
    public Task<JobDto?> GetJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendJsonOrNullAsync<JobDto>(new HttpRequestMessage(HttpMethod.Get, JobPath(id)), cancellationToken);

    /// <summary>One page of jobs matching <paramref name="query"/>, by id (<c>GET /v1/jobs?…</c>).</summary>
    /// <param name="query">Filters, cursor and page size; null lists every job.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; its <see cref="JobListDto.Next"/> is the cursor of the next one, null on the last.</returns>
    /// <exception cref="InvalidArgumentException">An unknown state, or a bad limit.</exception>
    public Task<JobListDto> ListJobsAsync(JobListQuery? query = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync<JobListDto>(new HttpRequestMessage(HttpMethod.Get, JobListPath(query ?? new JobListQuery())), cancellationToken);

    /// <summary>Every job matching <paramref name="query"/>, following the pages (each page is one request).</summary>
    /// <param name="query">Filters and page size; its <see cref="JobListQuery.After"/> is where the first page starts.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async IAsyncEnumerable<JobDto> ListAllJobsAsync(JobListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new JobListQuery();
        while (true)
        {
            var page = await ListJobsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var job in page.Jobs)
            {
                yield return job;
            }

            if (page.Next is null || page.Next == query.After)
            {
                yield break;
            }

            query = query with { After = page.Next };
        }
    }

    /// <summary>Cancels a job that has not finished (<c>POST /v1/jobs/{id}/cancel</c>). A running attempt is fenced at
    /// once: its worker is told to stop it, and nothing it reports afterwards counts.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job, now <c>cancelled</c>.</returns>
    /// <exception cref="NotFoundException">There is no such job.</exception>
    /// <exception cref="ConflictException">It has finished already.</exception>
    public Task<JobDto> CancelJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<JobDto>(new HttpRequestMessage(HttpMethod.Post, JobPath(id, "cancel")), cancellationToken);

    /// <summary>Runs a finished job (succeeded, failed or cancelled) again (<c>POST /v1/jobs/{id}/retry</c>): it is
    /// enqueued now, keeping its earlier attempts.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job, now <c>enqueued</c>.</returns>
    /// <exception cref="NotFoundException">There is no such job.</exception>
    /// <exception cref="ConflictException">It has not finished.</exception>
    public Task<JobDto> RetryJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<JobDto>(new HttpRequestMessage(HttpMethod.Post, JobPath(id, "retry")), cancellationToken);

    /// <summary>Deletes a job with its logs (<c>DELETE /v1/jobs/{id}</c>). A running job is refused: cancel it first, so
    /// that its attempt is stopped and recorded rather than vanishing mid-run.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such job.</returns>
    /// <exception cref="ConflictException">The job is processing.</exception>
    public Task<bool> DeleteJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, JobPath(id)), async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>An attempt's log as text (<c>GET /v1/jobs/{id}/log</c>).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="attempt">The attempt's number; null: the latest attempt.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotFoundException">There is no such job (or attempt).</exception>
    public Task<string> ReadJobLogAsync(long id, int? attempt = null, CancellationToken cancellationToken = default)
    {
        var path = JobPath(id, "log") + (attempt is { } n ? "?attempt=" + n.ToString(CultureInfo.InvariantCulture) : "");
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, path), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>
    /// Follows a job as it runs (<c>GET /v1/jobs/{id}/events</c>, SSE): the job as it stands, then each change of state
    /// and each piece of log as it is written, until the job reaches a final state (then the sequence ends) or is deleted
    /// (it ends too). A dropped connection is reopened (with a growing delay, up to 5 s); log pieces and job states already
    /// delivered are not delivered again.
    /// </summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <exception cref="NotFoundException">There is no such job (when the stream is first opened).</exception>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public async IAsyncEnumerable<JobStreamEvent> FollowJobAsync(long id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var logSeen = new Dictionary<int, long>();
        var lastRevision = 0L;
        var established = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Stream? stream;
            try
            {
                stream = await OpenEventStreamAsync(JobPath(id, "events"), established, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException) when (established)
            {
                yield break; // deleted while followed
            }

            if (stream is null)
            {
                failures++;
                await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
                continue;
            }

            established = true;
            var final = false;
            await foreach (var sse in ReadConnectionAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                switch (sse.Type)
                {
                    case "job":
                        var job = ReadEventData<JobDto>(sse.Data);
                        failures = 0;
                        final = JobStates.IsFinal(job.State);
                        if (job.Revision != 0 && job.Revision <= lastRevision)
                        {
                            continue; // the state as it stood, sent again after a reconnection
                        }

                        lastRevision = job.Revision;
                        yield return new JobStreamEvent(job, null);
                        break;
                    case "log":
                        var chunk = ReadEventData<JobLogChunkDto>(sse.Data);
                        failures = 0;
                        if (logSeen.TryGetValue(chunk.Attempt, out var seq) && chunk.Seq <= seq)
                        {
                            continue;
                        }

                        logSeen[chunk.Attempt] = chunk.Seq;
                        yield return new JobStreamEvent(null, chunk);
                        break;
                    case "deleted":
                        yield break;
                }
            }

            if (final)
            {
                yield break;
            }

            failures++;
            await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every recurring job (<c>GET /v1/jobs/recurring</c>), by name.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<RecurringJobDto>> ListRecurringJobsAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<RecurringJobListDto>(new HttpRequestMessage(HttpMethod.Get, "v1/jobs/recurring"), cancellationToken).ConfigureAwait(false)).Recurring;

    /// <summary>One recurring job (<c>GET /v1/jobs/recurring/{name}</c>) with its next firing and what it fired last.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The recurring job, or null when there is none of that name.</returns>
    public Task<RecurringJobDto?> GetRecurringJobAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonOrNullAsync<RecurringJobDto>(new HttpRequestMessage(HttpMethod.Get, RecurringPath(name)), cancellationToken);

    /// <summary>Creates or replaces a recurring job (<c>PUT /v1/jobs/recurring/{name}</c>); its name is
    /// <see cref="RecurringJobDto.Name"/>. Occurrences already fired are not fired again when it is replaced.</summary>
    /// <param name="recurring">The recurring job: type, arguments, and a cron expression or an interval.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The recurring job as stored, and whether the name was new.</returns>
    /// <exception cref="InvalidArgumentException">A bad name, cron expression, time zone, interval or misfire policy.</exception>
    public Task<RecurringJobPutResult> PutRecurringJobAsync(RecurringJobDto recurring, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recurring);
        return SendAsync(JsonRequest(HttpMethod.Put, RecurringPath(recurring.Name), recurring), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            var stored = await ReadJsonAsync<RecurringJobDto>(response, ct).ConfigureAwait(false);
            return new RecurringJobPutResult(stored, response.StatusCode == HttpStatusCode.Created);
        }, cancellationToken);
    }

    /// <summary>Removes a recurring job (<c>DELETE /v1/jobs/recurring/{name}</c>); the jobs it fired stay.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was none of that name.</returns>
    public Task<bool> DeleteRecurringJobAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, RecurringPath(name)), async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Fires a recurring job now, outside its schedule (<c>POST /v1/jobs/recurring/{name}/trigger</c>).</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job it made.</returns>
    /// <exception cref="NotFoundException">There is no recurring job of that name.</exception>
    public Task<JobDto> TriggerRecurringJobAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<JobDto>(new HttpRequestMessage(HttpMethod.Post, RecurringPath(name, "trigger")), cancellationToken);

    /// <summary>Claims one ready job for a worker (<c>POST /v1/jobs/claim</c>), waiting up to
    /// <see cref="JobClaimRequestDto.WaitSeconds"/> (at most 60) for one. The client's request timeout must exceed the
    /// wait; <see cref="HttpJobSource"/> sees to that.</summary>
    /// <param name="request">The worker, its node, queues and job types, and the wait.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The claim (the job, the attempt and its fencing token), or null when no job came in the wait.</returns>
    public Task<JobClaimDto?> ClaimJobAsync(JobClaimRequestDto request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(JsonRequest(HttpMethod.Post, "v1/jobs/claim", request), async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return null;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return await ReadJsonAsync<JobClaimDto>(response, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Extends an attempt's claim (<c>POST /v1/jobs/{id}/heartbeat</c>); a worker calls it at a third of
    /// <see cref="JobClaimDto.LeaseSeconds"/>.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="token">The attempt's fencing token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the attempt is no longer the job's current one (cancelled, expired, deleted): stop it.</returns>
    public Task<bool> HeartbeatJobAsync(long id, long token, CancellationToken cancellationToken = default) =>
        SendAsync(JsonRequest(HttpMethod.Post, JobPath(id, "heartbeat"), new JobAttemptWriteDto { Token = token }), async (response, ct) =>
        {
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                return false;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Appends text to an attempt's log (<c>POST /v1/jobs/{id}/log</c>).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="token">The attempt's fencing token.</param>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">The attempt is no longer current; nothing was written.</exception>
    public async Task AppendJobLogAsync(long id, long token, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        await SendAsync(JsonRequest(HttpMethod.Post, JobPath(id, "log"), new JobAttemptWriteDto { Token = token, Text = text }), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports how an attempt ended (<c>POST /v1/jobs/{id}/complete</c>); the job moves on (succeeded, retried
    /// with backoff, failed, cancelled).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="completion">The attempt's token and outcome.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job after the change.</returns>
    /// <exception cref="ConflictException">The attempt is no longer current (cancelled, expired, or another attempt runs
    /// now); nothing was written.</exception>
    public Task<JobDto> CompleteJobAsync(long id, JobCompletionDto completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        return SendJsonAsync<JobDto>(JsonRequest(HttpMethod.Post, JobPath(id, "complete"), completion), cancellationToken);
    }

    /// <summary>How long one request may take (the long poll of a claim must fit in it).</summary>
    internal TimeSpan RequestTimeout => _http.Timeout;

    /// <summary>Reads JSON arguments given as text: one JSON value (an object, for the server to accept).</summary>
    internal static System.Text.Json.JsonElement ParseArgs(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidArgumentException($"The job's arguments are not JSON: {ex.Message}");
        }
    }

    private static string JobPath(long id, string? sub = null)
    {
        if (id <= 0)
        {
            throw new InvalidArgumentException($"A job id is a positive integer; got {id.ToString(CultureInfo.InvariantCulture)}.");
        }

        return "v1/jobs/" + id.ToString(CultureInfo.InvariantCulture) + (sub is null ? "" : "/" + sub);
    }

    private static string RecurringPath(string name, string? sub = null)
    {
        if (!JobNames.IsValidName(name))
        {
            throw new InvalidArgumentException($"A recurring job's name is 1–200 letters, digits and . _ - : (not starting with '.'); got '{name}'.");
        }

        return "v1/jobs/recurring/" + KeyPath.Encode(name) + (sub is null ? "" : "/" + sub);
    }

    private static string JobListPath(JobListQuery query)
    {
        var parameters = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parameters.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("state", query.State);
        Add("queue", query.Queue);
        Add("type", query.Type);
        Add("after", query.After?.ToString(CultureInfo.InvariantCulture));
        Add("limit", query.Limit?.ToString(CultureInfo.InvariantCulture));
        return parameters.Count == 0 ? "v1/jobs" : "v1/jobs?" + string.Join('&', parameters);
    }
}
