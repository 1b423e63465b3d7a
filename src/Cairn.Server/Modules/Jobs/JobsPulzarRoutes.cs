using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Jobs;
using Cairn.Server.Http;
using Cairn.Server.Modules.Volumes;
using Cairn.Server.Security;
using Cairn.Volumes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Jobs;

/// <summary>
/// The seed's job routes on the Pulzar API (added to it as <see cref="PulzarRoute"/>s): <c>POST /launch_job/&lt;dir&gt;/&lt;name&gt;</c>
/// with the job's parameters (and <c>"scheduled"</c> for a recurring job, <c>"pulzar_data"</c> to run where a value is),
/// <c>GET /admin/jobs[/&lt;id&gt;]</c> and <c>POST /cancel_job/&lt;id&gt;</c>. The seed's answers are kept (its texts and
/// field names), its bugs are not: an error is a problem with its status (the seed said 200 "error launching job"), and
/// <c>creation_time</c> is a time (the seed put the job's state there).
/// </summary>
internal static class JobsPulzarRoutes
{
    /// <summary>Most jobs each list of <c>GET /admin/jobs</c> shows (the newest).</summary>
    public const int MaxListed = 1000;

    private const int MaxBodyBytes = 1024 * 1024;
    private const string RecurringPrefix = "pulzar-";
    private const string SeedTimeFormat = "yyyy-MM-dd HH:mm:ss.ffffff";

    /// <summary>The routes, for the container.</summary>
    public static IEnumerable<PulzarRoute> Routes =>
    [
        new(["launch_job"], LaunchAsync),
        new(["admin", "jobs"], AdminAsync),
        new(["cancel_job"], CancelAsync),
    ];

    private static async Task LaunchAsync(HttpContext context, IReadOnlyList<string> path)
    {
        PulzarCompatEndpoints.Only(context, "POST");
        var services = context.RequestServices;
        var store = services.GetRequiredService<JobStore>();
        var scripts = services.GetRequiredService<ScriptJobs>();
        if (path.Count < 2 || path.Any(s => s is "" or "." or ".."))
        {
            throw new InvalidArgumentException($"launch_job takes /launch_job/<directory>/<script> (a script <directory>/<script>.py under the jobs directory); got '/{string.Join('/', path)}'.");
        }

        var type = JobNames.PulzarPrefix + string.Join('/', path);
        Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Launch, type); // before the script is looked for
        scripts.Resolve(type);

        var parameters = await ReadParametersAsync(context).ConfigureAwait(false);
        string? node = null;
        if (parameters.TryGetValue("pulzar_data", out var data))
        {
            node = await DataNodeAsync(services, data, context.RequestAborted).ConfigureAwait(false);
        }

        long id;
        if (parameters.Remove("scheduled", out var scheduled))
        {
            var interval = JobSchedule.FromSeed(scheduled);
            id = await store.NextIdAsync(context.RequestAborted).ConfigureAwait(false);
            var recurring = services.GetRequiredService<RecurringJobs>();
            await recurring.UpsertAsync(
                new RecurringJobDto
                {
                    Name = RecurringPrefix + id.ToString(CultureInfo.InvariantCulture),
                    Type = type,
                    Args = JsonSerializer.SerializeToElement(parameters),
                    Interval = interval,
                },
                context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var (job, _) = await store.EnqueueAsync(
                new EnqueueJobDto { Type = type, Args = JsonSerializer.SerializeToElement(parameters), Node = node },
                context.RequestAborted).ConfigureAwait(false);
            RevisionHeader.Set(context, job.Revision);
            id = job.Id;
        }

        await PulzarCompatEndpoints.Text(context, StatusCodes.Status200OK, $"Job added with id {id.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
    }

    /// <summary>The body: a JSON object of parameters (an empty body: none).</summary>
    /// <exception cref="InvalidArgumentException">Not JSON, or not an object.</exception>
    private static async Task<Dictionary<string, JsonElement>> ReadParametersAsync(HttpContext context)
    {
        Json.RequireJsonContentType(context.Request);
        var body = await RequestReading.BodyAsync(context, MaxBodyBytes).ConfigureAwait(false);
        if (body.Length == 0 || body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new InvalidArgumentException("The body must be a JSON object of the job's parameters: " + JsonErrors.Describe(ex));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidArgumentException($"The body must be a JSON object of the job's parameters; got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }

            var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                parameters[property.Name] = property.Value.Clone();
            }

            return parameters;
        }
    }

    /// <summary>The node that holds the blob <c>pulzar_data</c> names, where the job should run; null when any node can
    /// (its body is inline in the keyspace).</summary>
    /// <exception cref="NotFoundException">No such key (or Volumes is off).</exception>
    private static async Task<string?> DataNodeAsync(IServiceProvider services, JsonElement data, CancellationToken cancellationToken)
    {
        if (data.ValueKind != JsonValueKind.String || data.GetString() is not { Length: > 0 } key)
        {
            throw new InvalidArgumentException($"'pulzar_data' must be the key of a stored value; got {data.GetRawText()}.");
        }

        var blobs = services.GetService<BlobStore>() ?? throw new NotFoundException($"'pulzar_data' names '{key}', but this server stores no values (Volumes is off).");
        var info = await blobs.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"'pulzar_data' names '{key}', which is not a stored value.");
        return info.IsInline ? null : info.NodeId;
    }

    private static async Task AdminAsync(HttpContext context, IReadOnlyList<string> path)
    {
        PulzarCompatEndpoints.Only(context, "GET", "HEAD");
        var services = context.RequestServices;
        var store = services.GetRequiredService<JobStore>();
        var recurring = services.GetRequiredService<RecurringJobs>();
        switch (path.Count)
        {
            case 0:
                Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Read, null);
                await JobEndpoints.SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
                await Json.WriteAsync(context, await ListingAsync(store, recurring, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case 1:
                await Json.WriteAsync(context, await DetailAsync(context, store, recurring, ParseId(path[0])).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            default:
                throw new NotFoundException($"No Pulzar route for {context.Request.Path} (admin/jobs, admin/jobs/<id>).");
        }
    }

    /// <summary>
    /// The seed's job listing: <c>pendings</c> (scheduled, enqueued and processing one-off jobs), <c>ready</c> (succeeded),
    /// <c>failed</c> (failed and cancelled), each the newest <see cref="MaxListed"/> by id, and <c>scheduled</c> (the
    /// recurring jobs).
    /// </summary>
    private static async Task<Dictionary<string, object>> ListingAsync(JobStore store, RecurringJobs recurring, CancellationToken cancellationToken)
    {
        var pendings = new Queue<JobDto>();
        var ready = new Queue<JobDto>();
        var failed = new Queue<JobDto>();
        long after = 0;
        while (true)
        {
            var page = await store.ListAsync(null, null, null, after, MaxListed, cancellationToken).ConfigureAwait(false);
            foreach (var job in page.Jobs)
            {
                var list = job.State switch
                {
                    JobStates.Succeeded => ready,
                    JobStates.Failed or JobStates.Cancelled => failed,
                    _ => pendings,
                };
                list.Enqueue(job);
                if (list.Count > MaxListed)
                {
                    list.Dequeue();
                }
            }

            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        var schedules = await recurring.ListAsync(cancellationToken).ConfigureAwait(false);
        return new Dictionary<string, object>
        {
            ["pendings"] = pendings.Select(Item).ToList(),
            ["ready"] = ready.Select(Item).ToList(),
            ["failed"] = failed.Select(Item).ToList(),
            ["scheduled"] = schedules.Select(ScheduledItem).ToList(),
        };
    }

    private static Dictionary<string, object?> Item(JobDto job) => new()
    {
        ["job_id"] = job.Id,
        ["job_name"] = JobName(job.Type),
        ["parameters"] = job.Args.ValueKind == JsonValueKind.Undefined ? "{}" : job.Args.GetRawText(),
        ["node"] = job.Attempts.LastOrDefault()?.Node ?? job.Node ?? "",
        ["creation_time"] = SeedTime(job.CreatedAt),
        ["state"] = job.State,
    };

    private static Dictionary<string, object?> ScheduledItem(RecurringJobDto spec) => new()
    {
        ["job_id"] = spec.Name.StartsWith(RecurringPrefix, StringComparison.Ordinal)
            && long.TryParse(spec.Name.AsSpan(RecurringPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null,
        ["name"] = spec.Name,
        ["job_name"] = JobName(spec.Type),
        ["parameters"] = spec.Args is { ValueKind: not JsonValueKind.Undefined } args ? args.GetRawText() : "{}",
        ["creation_time"] = SeedTime(spec.CreatedAt),
        ["interval"] = spec.Interval?.Unit ?? "cron",
        ["time_unit"] = spec.Interval is { } interval ? interval.Every.ToString(CultureInfo.InvariantCulture) : spec.Cron,
        ["repeat"] = spec.Interval is { Repeat: false } ? 0 : 1,
        ["next_execution"] = spec.NextAt is { } next ? SeedTime(next) : null,
    };

    /// <summary>What the seed called the job: the script's name (<c>example_01</c> of <c>pulzar:example/example_01</c>).</summary>
    private static string JobName(string type) =>
        type.StartsWith(JobNames.PulzarPrefix, StringComparison.Ordinal) || type.StartsWith(JobNames.ScriptPrefix, StringComparison.Ordinal)
            ? type[(type.LastIndexOf('/') is var slash and >= 0 ? slash + 1 : type.IndexOf(':', StringComparison.Ordinal) + 1)..]
            : type;

    private static string SeedTime(DateTimeOffset at) => at.UtcDateTime.ToString(SeedTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// The seed's job detail: <c>{"job": id, "status": "pending|completed|failed", "log": …, "time": seconds of the last
    /// attempt or null}</c>, and the whole job as <c>detail</c>. A recurring job made by <c>launch_job</c> is found by its
    /// id too (<c>status</c> <c>scheduled</c>). The caller needs read on the job's type.
    /// </summary>
    private static async Task<Dictionary<string, object?>> DetailAsync(HttpContext context, JobStore store, RecurringJobs recurring, long id)
    {
        var cancellationToken = context.RequestAborted;
        var job = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            var spec = await recurring.GetAsync(RecurringPrefix + id.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false)
                ?? throw JobEndpoints.NoSuchJob(id);
            Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Read, spec.Type);
            return new() { ["job"] = id, ["status"] = "scheduled", ["log"] = "", ["time"] = null, ["detail"] = spec };
        }

        Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Read, job.Type);
        var log = await store.ReadLogAsync(id, null, cancellationToken).ConfigureAwait(false);
        var last = job.Attempts.LastOrDefault();
        return new()
        {
            ["job"] = id,
            ["status"] = job.State switch
            {
                JobStates.Succeeded => "completed",
                JobStates.Failed or JobStates.Cancelled => "failed",
                _ => "pending",
            },
            ["log"] = JobEndpoints.LogText(log, withHeaders: job.Attempts.Count > 1),
            ["time"] = last is { EndedAt: { } ended } ? (ended - last.StartedAt).TotalSeconds : null,
            ["detail"] = job,
        };
    }

    private static async Task CancelAsync(HttpContext context, IReadOnlyList<string> path)
    {
        PulzarCompatEndpoints.Only(context, "POST");
        if (path.Count != 1)
        {
            throw new NotFoundException($"No Pulzar route for {context.Request.Path} (cancel_job/<id>).");
        }

        var id = ParseId(path[0]);
        var services = context.RequestServices;
        var store = services.GetRequiredService<JobStore>();
        if (await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } found)
        {
            // A job launch_job scheduled: cancelling it ends the schedule, as the seed's cancel did.
            var recurring = services.GetRequiredService<RecurringJobs>();
            var name = RecurringPrefix + id.ToString(CultureInfo.InvariantCulture);
            if (Caller.Of(context).IsRestricted && await recurring.GetAsync(name, context.RequestAborted).ConfigureAwait(false) is { } spec)
            {
                Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Cancel, spec.Type);
            }

            if (!await recurring.DeleteAsync(name, context.RequestAborted).ConfigureAwait(false))
            {
                throw JobEndpoints.NoSuchJob(id);
            }
        }
        else
        {
            Caller.Demand(context, AuthResources.Jobs, JobEndpoints.Cancel, found.Type);
            var job = await store.CancelAsync(id, "cancelled through the Pulzar API", context.RequestAborted).ConfigureAwait(false);
            RevisionHeader.Set(context, job.Revision);
        }

        await PulzarCompatEndpoints.Text(context, StatusCodes.Status200OK, $"Job {id.ToString(CultureInfo.InvariantCulture)} cancelled").ConfigureAwait(false);
    }

    private static long ParseId(string text)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            throw new InvalidArgumentException($"A job id is a positive integer; got '{text}'.");
        }

        return id;
    }
}
