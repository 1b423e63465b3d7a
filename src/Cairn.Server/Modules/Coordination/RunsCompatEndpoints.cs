using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Coordination.Runs;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// zookeeper-exp1's runs API (<c>slipstream.runs.service</c> and the older <c>zookeeper-exp1.service</c>), kept as its
/// contract: <c>POST /runs</c>, <c>DELETE /runs/:id</c>, <c>GET /runs/:id/state</c> (the state as text, or on a
/// WebSocket a push at each change), the older WebSocket-only <c>GET /runs/:id/:param</c>,
/// <c>GET /runs/:id/nodes/:node/:index</c>, <c>POST /runs/:id/nodes/:node/:index</c> (complete a state),
/// <c>GET|PUT /runs/:id/nodes/:node/:index/:param</c>. A push is the seed's <c>{"path":"…","value":"…"}</c>. A
/// WebSocket-only route hit without an upgrade is the seed's 400 <c>Expected a websocket request.</c>, any other path or
/// method its 404 <c>No such page.</c>; every other error is an RFC 9457 problem, and an unknown run, node or index is a
/// 404 before any upgrade. Mounted at <c>/compat/runs</c> on every listener and at the root of each <c>Runs:Listen</c>
/// listener. The deliberate differences from the seed (whose handlers mostly could not answer) are in the README.
/// </summary>
internal static class RunsCompatEndpoints
{
    /// <summary>Where the compat API is mounted on every listener.</summary>
    public const string Prefix = "/compat/runs";

    /// <summary>The seed's answer to a WebSocket-only route without an upgrade (400, <c>application/text</c>).</summary>
    public const string NotWebSocket = "Expected a websocket request.";

    /// <summary>The seed's answer to any other route (404).</summary>
    public const string NoSuchPage = "No such page.";

    private const string Read = "read";

    private const string Write = "write";

    // The seed's pushes came from cheshire: compact, non-ASCII as it is.
    private static readonly JsonWriterOptions PushJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>Maps the API on <paramref name="mount"/>, and a catch-all for everything else under it.</summary>
    public static void Map(CompatMount mount)
    {
        var e = mount.Endpoints;
        var routes = new[]
        {
            ("CompatRunsCreate", e.MapPost("/runs", CreateAsync).AuthorizeInHandler(AuthResources.Runs)), // the id is in the body
            ("CompatRunsDelete", e.MapDelete("/runs/{id}", DeleteAsync).RequirePermission(AuthResources.Runs, Write, "id")),
            ("CompatRunsState", e.MapMethods("/runs/{id}/state", GetOrHead, StateAsync).RequirePermission(AuthResources.Runs, Read, "id")),
            ("CompatRunsParameterPush", e.MapMethods("/runs/{id}/{param}", GetOrHead, RunParameterAsync).RequirePermission(AuthResources.Runs, Read, "id")),
            ("CompatRunsIndex", e.MapMethods("/runs/{id}/nodes/{node}/{index}", GetOrHead, IndexAsync).RequirePermission(AuthResources.Runs, Read, "id")),
            ("CompatRunsComplete", e.MapPost("/runs/{id}/nodes/{node}/{index}", CompleteAsync).RequirePermission(AuthResources.Runs, Write, "id")),
            ("CompatRunsGetParameter", e.MapMethods("/runs/{id}/nodes/{node}/{index}/{param}", GetOrHead, GetParameterAsync).RequirePermission(AuthResources.Runs, Read, "id")),
            ("CompatRunsSetParameter", e.MapPut("/runs/{id}/nodes/{node}/{index}/{param}", SetParameterAsync).RequirePermission(AuthResources.Runs, Write, "id")),
        };

        // Only ever a 404: it needs a caller (an anonymous one learns nothing of the API), and nothing more.
        e.Map("/{**rest}", NotFoundAsync).ExcludeFromDescription().AuthorizeInHandler(AuthResources.Runs);
        if (!mount.IsRoot)
        {
            foreach (var (name, route) in routes)
            {
                route.WithName(name).WithTags("compat-runs");
            }
        }
    }

    // POST /runs: id (default: a new UUID, as the seed made one), and topology or module; as a form, a query or JSON
    // (CreateRunDto). Answers the run id as text, as the seed's handler returned it.
    private static async Task CreateAsync(HttpContext context, RunStore runs)
    {
        CreateRunDto request;
        if (IsJsonBody(context.Request))
        {
            request = await Json.ReadAsync<CreateRunDto>(context).ConfigureAwait(false);
            if (string.IsNullOrEmpty(request.Id))
            {
                request.Id = Guid.NewGuid().ToString();
            }
        }
        else
        {
            var values = await ValuesAsync(context).ConfigureAwait(false);
            var id = Value(context, values, "id") is { Length: > 0 } given ? given : Guid.NewGuid().ToString();
            CoordinationHttp.Name("run id", id);
            request = SeedRunRequest.From(id, Value(context, values, "topology"), Value(context, values, "module"));
        }

        Caller.Demand(context, AuthResources.Runs, Write, request.Id);
        var run = await runs.CreateAsync(request, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, run.ModRevision);
        await TextAsync(context, StatusCodes.Status200OK, run.Id).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, RunStore runs, IKeyspace store, string id)
    {
        CoordinationHttp.Name("run id", id);
        if (!await runs.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            throw RunEndpoints.NoSuchRun(id);
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    // The state as text; on a WebSocket, {"path":"/runs/<id>/state","value":"<state>"} at each change.
    private static async Task StateAsync(HttpContext context, RunStore runs, IKeyspace store, string id)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            await PushAsync(context, runs, store, id, null, e => e.Type == RunEventTypes.State ? Push($"/runs/{id}/state", e.State) : null).ConfigureAwait(false);
            return;
        }

        var run = await RunEndpoints.FindAsync(runs, id, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, run.ModRevision);
        await TextAsync(context, StatusCodes.Status200OK, run.State).ConfigureAwait(false);
    }

    // The older service's only route: WebSocket only, a push at each change of the run-level parameter.
    private static async Task RunParameterAsync(HttpContext context, RunStore runs, IKeyspace store, string id, string param)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await NotWebSocketAsync(context).ConfigureAwait(false);
            return;
        }

        CoordinationHttp.Name("parameter name", param);
        await PushAsync(
            context,
            runs,
            store,
            id,
            null,
            e => e.Type == RunEventTypes.Parameter && e.Node is null && e.Name == param ? Push($"/runs/{id}/{param}", e.Value) : null).ConfigureAwait(false);
    }

    // The index's parameters as a JSON object (name → value, with the node's and the run's defaults); on a WebSocket, a
    // push at each change of any of them.
    private static async Task IndexAsync(HttpContext context, RunStore runs, IKeyspace store, string id, string node, string index)
    {
        var (run, nodeName, number) = RunEndpoints.Address(id, node, index);
        if (context.WebSockets.IsWebSocketRequest)
        {
            await PushAsync(
                context,
                runs,
                store,
                run,
                (nodeName, number),
                e => e.Type == RunEventTypes.Parameter && e.Node == nodeName && e.Index == number ? Push(ParameterPath(run, nodeName, number, e.Name), e.Value) : null).ConfigureAwait(false);
            return;
        }

        var found = await FindIndexAsync(runs, run, nodeName, number, context.RequestAborted).ConfigureAwait(false);
        var values = new SortedDictionary<string, string>(found.Defaults, StringComparer.Ordinal);
        foreach (var (name, value) in found.Parameters.GetValueOrDefault(nodeName) ?? [])
        {
            values[name] = value;
        }

        foreach (var set in await runs.ListParametersAsync(run, context.RequestAborted).ConfigureAwait(false))
        {
            if (set.Node == nodeName && set.Index == number && set.Value is not null)
            {
                values[set.Name] = set.Value;
            }
        }

        RevisionHeader.Set(context, found.ModRevision);
        await Json.WriteAsync(context, values).ConfigureAwait(false);
    }

    // Complete the run's current state for this index: current-state and next-state (or current and next) as a form or
    // a query. Answers true when this completion moved the run, false otherwise (the seed's complete-single-state!).
    private static async Task CompleteAsync(HttpContext context, RunStore runs, string id, string node, string index)
    {
        var (run, nodeName, number) = RunEndpoints.Address(id, node, index);
        var values = await ValuesAsync(context).ConfigureAwait(false);
        var current = Value(context, values, "current-state") ?? Value(context, values, "current");
        var next = Value(context, values, "next-state") ?? Value(context, values, "next");
        if (string.IsNullOrEmpty(current) || string.IsNullOrEmpty(next))
        {
            throw new InvalidArgumentException("A completion names the state completed and the state to move to: current-state=…&next-state=… (as a form or in the query).");
        }

        var completion = await runs.CompleteAsync(run, nodeName, number, current, next, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, completion.Run.ModRevision);
        await TextAsync(context, StatusCodes.Status200OK, completion.Moved ? "true" : "false").ConfigureAwait(false);
    }

    // The value as text (the index's own, else the node's, else the run's default); on a WebSocket, a push at each change.
    private static async Task GetParameterAsync(HttpContext context, RunStore runs, IKeyspace store, string id, string node, string index, string param)
    {
        var (run, nodeName, number) = RunEndpoints.Address(id, node, index);
        CoordinationHttp.Name("parameter name", param);
        if (context.WebSockets.IsWebSocketRequest)
        {
            var path = ParameterPath(run, nodeName, number, param);
            await PushAsync(
                context,
                runs,
                store,
                run,
                (nodeName, number),
                e => e.Type == RunEventTypes.Parameter && e.Node == nodeName && e.Index == number && e.Name == param ? Push(path, e.Value) : null).ConfigureAwait(false);
            return;
        }

        var parameter = await runs.GetParameterAsync(run, nodeName, number, param, context.RequestAborted).ConfigureAwait(false);
        if (parameter.Value is null)
        {
            throw new NotFoundException($"Index {number} of node '{nodeName}' of run '{run}' has no parameter '{param}' (never set, and no default).");
        }

        if (parameter.ModRevision > 0)
        {
            RevisionHeader.Set(context, parameter.ModRevision);
        }

        await TextAsync(context, StatusCodes.Status200OK, parameter.Value).ConfigureAwait(false);
    }

    // PUT value=… (a form, as the seed's web-client-set.py sends it, or the query): 200, empty, as the seed answered.
    private static async Task SetParameterAsync(HttpContext context, RunStore runs, RunOptions options, string id, string node, string index, string param)
    {
        var (run, nodeName, number) = RunEndpoints.Address(id, node, index);
        CoordinationHttp.Name("parameter name", param);
        var values = await ValuesAsync(context).ConfigureAwait(false);
        var value = Value(context, values, "value")
            ?? throw new InvalidArgumentException("The new value is sent as value=… (a form, or in the query).");
        CoordinationHttp.CheckSize(value, options.MaxParameterBytes);
        var parameter = await runs.SetParameterAsync(run, nodeName, number, param, value, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, parameter.ModRevision);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private static Task NotFoundAsync(HttpContext context) =>
        TextAsync(context, StatusCodes.Status404NotFound, NoSuchPage, "text/html; charset=utf-8");

    private static Task NotWebSocketAsync(HttpContext context) =>
        TextAsync(context, StatusCodes.Status400BadRequest, NotWebSocket, "application/text");

    /// <summary>
    /// Refuses an unknown run (or node index) with 404 before the upgrade, then pushes <paramref name="push"/> of each of
    /// the run's changes after this moment until the client closes, the run is deleted (the socket is then closed), or
    /// the server stops.
    /// </summary>
    private static async Task PushAsync(HttpContext context, RunStore runs, IKeyspace store, string id, (string Node, int Index)? index, Func<RunEventDto, string?> push)
    {
        // The start is taken before the run is read: nothing that changes after the check is missed.
        var (start, _) = await EventStream.StartAsync(store, 0, context.RequestAborted).ConfigureAwait(false);
        if (index is { } at)
        {
            await FindIndexAsync(runs, id, at.Node, at.Index, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            await RunEndpoints.FindAsync(runs, id, context.RequestAborted).ConfigureAwait(false);
        }

        await EventStream.SocketAsync(context, token => runs.WatchAsync(id, start, token), push).ConfigureAwait(false);
    }

    private static async Task<RunDto> FindIndexAsync(RunStore runs, string id, string node, int index, CancellationToken cancellationToken)
    {
        var run = await RunEndpoints.FindAsync(runs, id, cancellationToken).ConfigureAwait(false);
        if (!run.Topology.TryGetValue(node, out var indexes))
        {
            throw new NotFoundException($"Run '{id}' has no node '{node}' (its nodes: {string.Join(", ", run.Topology.Keys.Order(StringComparer.Ordinal))}).");
        }

        if (!indexes.Contains(index))
        {
            throw new NotFoundException($"Node '{node}' of run '{id}' has no index {index} (its indexes: {string.Join(", ", indexes)}).");
        }

        return run;
    }

    // The seed's push: {"path":"<znode>","value":"<text or null>"}, compact, path first.
    private static string Push(string path, string? value)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, PushJson))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteString("value", value);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // The znode of a node index's parameter in the seed's layout (what its pushes named).
    private static string ParameterPath(string run, string node, int index, string? name) =>
        string.Create(CultureInfo.InvariantCulture, $"/runs/{run}/nodes/{node}/{index}/params/{name}");

    private static async Task TextAsync(HttpContext context, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }

    // The form's fields when the body is a form (the seed read params from the query and a form, the form winning).
    private static async Task<IFormCollection?> ValuesAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            // A malformed multipart body ends in an IOException ("Unexpected end of Stream"): the client's error.
            throw new InvalidArgumentException("The form could not be read: " + ex.Message);
        }
    }

    private static string? Value(HttpContext context, IFormCollection? form, string name) =>
        form is not null && form.TryGetValue(name, out var value) ? value.ToString() : RequestReading.Text(context, name);

    private static bool IsJsonBody(HttpRequest request) =>
        request.ContentType is { Length: > 0 } && !request.HasFormContentType && Modules.Journal.JournalCompatEndpoints.IsJson(request);
}
