using System.Globalization;
using Cairn.Contracts;
using Cairn.Coordination.Runs;
using Cairn.Core;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// <c>/v1/runs</c>: zookeeper-exp1's runs: create (once), import, read, list and delete runs; complete a state for one
/// node index (the last completion moves the run); run and node-index parameters with compare-and-set; and each run's
/// changes as Server-Sent Events or WebSocket messages, resumable from a revision.
/// </summary>
internal static class RunEndpoints
{
    public const string Prefix = "/v1/runs";
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix, CreateAsync).WithName("CreateRun").WithTags("runs").Produces<RunDto>(StatusCodes.Status201Created)
            .AuthorizeInHandler(AuthResources.Runs);
        app.MapGet(Prefix, ListAsync).WithName("ListRuns").WithTags("runs").Produces<RunListDto>()
            .RequirePermission(AuthResources.Runs, "read");
        app.MapPost(Prefix + "/import", ImportAsync).WithName("ImportRun").WithTags("runs").Produces<RunDto>(StatusCodes.Status201Created)
            .AuthorizeInHandler(AuthResources.Runs);
        app.MapGet(Prefix + "/{id}", GetAsync).WithName("GetRun").WithTags("runs").Produces<RunDto>()
            .RequirePermission(AuthResources.Runs, "read", "id");
        app.MapDelete(Prefix + "/{id}", DeleteAsync).WithName("DeleteRun").WithTags("runs").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Runs, "write", "id");
        app.MapPost(Prefix + "/{id}/nodes/{node}/{index}/complete", CompleteAsync).WithName("CompleteRunState").WithTags("runs").Produces<RunCompletionDto>()
            .RequirePermission(AuthResources.Runs, "write", "id");
        app.MapGet(Prefix + "/{id}/params", ListParametersAsync).WithName("ListRunParameters").WithTags("runs").Produces<List<RunParameterDto>>()
            .RequirePermission(AuthResources.Runs, "read", "id");
        app.MapGet(Prefix + "/{id}/params/{name}", GetRunParameterAsync).WithName("GetRunParameter").WithTags("runs").Produces<RunParameterDto>()
            .RequirePermission(AuthResources.Runs, "read", "id");
        app.MapPut(Prefix + "/{id}/params/{name}", SetRunParameterAsync).WithName("SetRunParameter").WithTags("runs").Produces<RunParameterDto>()
            .RequirePermission(AuthResources.Runs, "write", "id");
        app.MapGet(Prefix + "/{id}/nodes/{node}/{index}/params/{name}", GetIndexParameterAsync).WithName("GetRunIndexParameter").WithTags("runs").Produces<RunParameterDto>()
            .RequirePermission(AuthResources.Runs, "read", "id");
        app.MapPut(Prefix + "/{id}/nodes/{node}/{index}/params/{name}", SetIndexParameterAsync).WithName("SetRunIndexParameter").WithTags("runs").Produces<RunParameterDto>()
            .RequirePermission(AuthResources.Runs, "write", "id");
        app.MapGet(Prefix + "/{id}/events", EventsAsync).WithName("WatchRun").WithTags("runs").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Runs, "read", "id");
    }

    private static async Task CreateAsync(HttpContext context, RunStore runs)
    {
        var request = await Json.ReadAsync<CreateRunDto>(context).ConfigureAwait(false);
        Caller.Demand(context, AuthResources.Runs, "write", request.Id); // the id is in the body
        var run = await runs.CreateAsync(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = Location(run.Id);
        await CoordinationHttp.WriteAsync(context, run, run.ModRevision, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task ImportAsync(HttpContext context, RunStore runs)
    {
        var request = await Json.ReadAsync<ImportRunDto>(context).ConfigureAwait(false);
        if (request.Run is null)
        {
            throw new InvalidArgumentException("'run' is required: the run to import (id, topology, state, epoch, pending).");
        }

        Caller.Demand(context, AuthResources.Runs, "write", request.Run.Id);

        var run = await runs.ImportAsync(request.Run, request.Parameters ?? [], context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = Location(run.Id);
        await CoordinationHttp.WriteAsync(context, run, run.ModRevision, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, RunStore runs)
    {
        var after = RequestReading.Text(context, "after") is { Length: > 0 } a ? CoordinationHttp.Name("run id ('after')", a) : null;
        var limit = RequestReading.Long(context, "limit") ?? DefaultPageSize;
        if (limit is < 1 or > MaxPageSize)
        {
            throw new InvalidArgumentException($"Query parameter 'limit' must be between 1 and {MaxPageSize}; got {limit}.");
        }

        var page = await runs.ListAsync(after, (int)limit, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, page, page.Revision).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, RunStore runs, string id)
    {
        var run = await FindAsync(runs, id, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, run, run.ModRevision).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id)
    {
        CoordinationHttp.Name("run id", id);
        if (!await runs.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoSuchRun(id);
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task CompleteAsync(HttpContext context, RunStore runs, string id, string node, string index)
    {
        var (run, nodeName, number) = Address(id, node, index);
        var request = await Json.ReadAsync<CompleteRunDto>(context).ConfigureAwait(false);
        var completion = await runs.CompleteAsync(run, nodeName, number, request.Current, request.Next, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, completion, completion.Run.ModRevision).ConfigureAwait(false);
    }

    private static async Task ListParametersAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id)
    {
        await CoordinationHttp.SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        await FindAsync(runs, id, context.RequestAborted).ConfigureAwait(false);
        var parameters = await runs.ListParametersAsync(id, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, parameters).ConfigureAwait(false);
    }

    private static Task GetRunParameterAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id, string name) =>
        GetParameterAsync(context, runs, store, CoordinationHttp.Name("run id", id), null, null, name);

    private static Task SetRunParameterAsync(HttpContext context, RunStore runs, RunOptions options, string id, string name) =>
        SetParameterAsync(context, runs, options, CoordinationHttp.Name("run id", id), null, null, name);

    private static Task GetIndexParameterAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id, string node, string index, string name)
    {
        var (run, nodeName, number) = Address(id, node, index);
        return GetParameterAsync(context, runs, store, run, nodeName, number, name);
    }

    private static Task SetIndexParameterAsync(HttpContext context, RunStore runs, RunOptions options, string id, string node, string index, string name)
    {
        var (run, nodeName, number) = Address(id, node, index);
        return SetParameterAsync(context, runs, options, run, nodeName, number, name);
    }

    private static async Task GetParameterAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id, string? node, int? index, string name)
    {
        CoordinationHttp.Name("parameter name", name);
        var parameter = await runs.GetParameterAsync(id, node, index, name, context.RequestAborted).ConfigureAwait(false);
        if (parameter.ModRevision > 0)
        {
            context.Response.Headers.ETag = ETag(parameter.ModRevision);
            RevisionHeader.Set(context, parameter.ModRevision);
        }
        else
        {
            await CoordinationHttp.SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        }

        await Json.WriteAsync(context, parameter).ConfigureAwait(false);
    }

    private static async Task SetParameterAsync(HttpContext context, RunStore runs, RunOptions options, string id, string? node, int? index, string name)
    {
        CoordinationHttp.Name("parameter name", name);
        var ifMatch = Precondition(context);
        var request = await Json.ReadAsync<SetRunParameterDto>(context).ConfigureAwait(false);
        if (request.Value is null)
        {
            throw new InvalidArgumentException("'value' is required: the parameter's new value (text).");
        }

        if (ifMatch is { } header && request.IfModRevision is { } body && header != body)
        {
            throw new InvalidArgumentException($"The If-Match header ({header}) and 'ifModRevision' ({body}) differ; send one of them.");
        }

        if ((ifMatch ?? request.IfModRevision) is < 0)
        {
            throw new InvalidArgumentException($"'ifModRevision' must be a mod revision (0: only if never set); got {request.IfModRevision}.");
        }

        CoordinationHttp.CheckSize(request.Value, options.MaxParameterBytes);
        var parameter = await runs.SetParameterAsync(id, node, index, name, request.Value, ifMatch ?? request.IfModRevision, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.ETag = ETag(parameter.ModRevision);
        await CoordinationHttp.WriteAsync(context, parameter, parameter.ModRevision).ConfigureAwait(false);
    }

    private static async Task EventsAsync(HttpContext context, RunStore runs, Core.IKeyspace store, string id)
    {
        // Settled before the stream starts (and before a WebSocket upgrade): a bad revision is a 400, a compacted one a
        // 410, an unknown run a 404. A stream resumed from a revision at which the run still existed replays what came
        // after, its deletion included, even when the run is gone now: a client that reconnects after the delete is
        // told of it like one that stayed connected.
        var from = EventStream.ResumeFrom(context);
        var (start, revision) = await EventStream.StartAsync(store, from, context.RequestAborted).ConfigureAwait(false);
        if (from == 0 || !await runs.ExistedAtAsync(CoordinationHttp.Name("run id", id), start - 1, context.RequestAborted).ConfigureAwait(false))
        {
            await FindAsync(runs, id, context.RequestAborted).ConfigureAwait(false);
        }
        await EventStream.StreamAsync(
            context,
            start,
            revision,
            token => runs.WatchAsync(id, start, token),
            e => new SseEvent(e.Type, e.Revision, e)).ConfigureAwait(false);
    }

    /// <summary>The run, or a 404.</summary>
    public static async Task<RunDto> FindAsync(RunStore runs, string id, CancellationToken cancellationToken)
    {
        CoordinationHttp.Name("run id", id);
        return await runs.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NoSuchRun(id);
    }

    public static NotFoundException NoSuchRun(string id) => new($"There is no run '{id}' (never created, or deleted).");

    /// <summary>A node index's address from the path, checked.</summary>
    public static (string Run, string Node, int Index) Address(string id, string node, string index) =>
        (CoordinationHttp.Name("run id", id), CoordinationHttp.Name("node name", node), CoordinationHttp.Index(index));

    private static string Location(string id) => Prefix + "/" + CoordinationHttp.Segment(id);

    // If-Match: "N" → write only if the parameter's mod revision is N (0: never set); If-None-Match: * → only if never set.
    private static long? Precondition(HttpContext context)
    {
        var headers = context.Request.Headers;
        var ifMatch = headers.IfMatch.ToString();
        var ifNoneMatch = headers.IfNoneMatch.ToString();
        if (ifMatch.Length > 0 && ifNoneMatch.Length > 0)
        {
            throw new InvalidArgumentException("Send either If-Match or If-None-Match, not both.");
        }

        if (ifNoneMatch.Length > 0)
        {
            return ifNoneMatch.Trim() == "*" ? 0 : throw new InvalidArgumentException("If-None-Match supports only '*' (set only if never set).");
        }

        if (ifMatch.Length == 0)
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParse(ifMatch.Trim(), out var tag) || tag.IsWeak
            || !long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
        {
            throw new InvalidArgumentException($"If-Match must be one quoted mod revision such as \"42\" (\"0\": only if never set); got '{ifMatch}'.");
        }

        return revision;
    }

    private static string ETag(long modRevision) => "\"" + modRevision.ToString(CultureInfo.InvariantCulture) + "\"";
}
