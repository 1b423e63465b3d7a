using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Journal;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// The seed's journal API, kept as its contract: <c>POST /&lt;txid&gt;/&lt;step&gt;</c> with a JSON body → 201 and an
/// empty body (a repeated step keeps its first message); <c>GET /status/&lt;txid&gt;</c> → the commit message, else the
/// abort message, else "Task in progress", else "Task not found". Mounted at <c>/compat/journal</c> on every listener
/// and at the root of each <c>Journal:Listen</c> listener.
/// </summary>
/// <remarks>
/// One deliberate change: the seed answered "in progress" with HTTP 102, an interim status that HTTP clients cannot
/// read as an answer; Cairn answers 202 Accepted with the same body. Errors other than the seed's own two bodies are
/// RFC 9457 problems.
/// </remarks>
internal static class JournalCompatEndpoints
{
    /// <summary>Where the compat API is mounted on every listener.</summary>
    public const string Prefix = "/compat/journal";

    /// <summary>Maps the API on <paramref name="mount"/>: <c>POST /&lt;txid&gt;/&lt;step&gt;</c>, <c>GET /status/&lt;txid&gt;</c>,
    /// and anything else under the mount (more or fewer segments, an encoded slash, another method), which is still the
    /// compat API's to refuse: a clear 400, 404 or 405 rather than "no route".</summary>
    public static void Map(CompatMount mount)
    {
        var after = mount.SegmentsAfter;
        // One handler serves the three routes (a POST /status/x is an append): it checks the txid it acts on.
        var append = mount.Endpoints.MapPost("/{txid}/{step}", (HttpContext context, JournalService journal) => HandleAsync(context, journal, after))
            .AuthorizeInHandler(AuthResources.Journal);
        var status = mount.Endpoints.MapGet("/status/{txid}", (HttpContext context, JournalService journal) => HandleAsync(context, journal, after))
            .AuthorizeInHandler(AuthResources.Journal);
        mount.Endpoints.Map("/{**rest}", (HttpContext context, JournalService journal) => HandleAsync(context, journal, after)).ExcludeFromDescription()
            .AuthorizeInHandler(AuthResources.Journal);
        if (!mount.IsRoot)
        {
            append.WithName("CompatJournalAppend").WithTags("compat-journal").Produces(StatusCodes.Status201Created);
            status.WithName("CompatJournalStatus").WithTags("compat-journal")
                .Produces<JsonElement>(StatusCodes.Status200OK).Produces<JsonElement>(StatusCodes.Status202Accepted).Produces<JsonElement>(StatusCodes.Status404NotFound);
        }
    }

    // What each method gets, as the seed's server (Flask routes POST /<txid>/<step>, GET /status/<txid>) answered it:
    // POST /a/b appends (also POST /status/x: request "status", step "x"); GET or HEAD /status/x is the status; any other
    // method on a path of either shape is 405 with the methods that path takes in Allow; anything else is 404 (GET,
    // HEAD), 400 (POST: not of the one shape a POST takes) or 405.
    private static async Task HandleAsync(HttpContext context, JournalService journal, string prefix)
    {
        var segments = Segments(context, prefix);
        var method = context.Request.Method;
        var isStatus = segments.Count >= 1 && segments[0] == "status";
        if (HttpMethods.IsPost(method))
        {
            if (segments.Count != 2)
            {
                throw new InvalidArgumentException($"A journal entry is written with POST /<txid>/<step>; '{context.Request.Path}' is not of that shape (a txid or step cannot contain '/').");
            }

            await AppendAsync(context, journal, segments[0], segments[1]).ConfigureAwait(false);
            return;
        }

        var readsStatus = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (readsStatus && isStatus)
        {
            if (segments.Count != 2)
            {
                throw new InvalidArgumentException($"The status of a request is read with GET /status/<txid>; '{context.Request.Path}' is not of that shape (a txid cannot contain '/').");
            }

            await StatusAsync(context, journal, segments[1]).ConfigureAwait(false);
            return;
        }

        if (segments.Count == 2)
        {
            context.Response.Headers.Allow = isStatus ? "GET, HEAD, POST" : "POST";
            var use = isStatus ? "GET /status/<txid> to read a request's status, POST /<txid>/<step> to write a step" : "POST /<txid>/<step> writes a step";
            await ProblemWriter.WriteAsync(context, ErrorCodes.MethodNotAllowed, $"{method} is not allowed on {context.Request.Path}: {use}.").ConfigureAwait(false);
            return;
        }

        if (readsStatus)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.NotFound, $"No journal route for {method} {context.Request.Path}; the journal API is POST /<txid>/<step> and GET /status/<txid>.").ConfigureAwait(false);
            return;
        }

        await ProblemWriter.WriteAsync(context, ErrorCodes.MethodNotAllowed, $"{method} is not allowed on the journal API; use POST /<txid>/<step> and GET /status/<txid>.").ConfigureAwait(false);
    }

    /// <summary>The names in the path after <paramref name="prefix"/>, decoded strictly from the raw request target (an
    /// encoded slash stays inside its name, to be refused by the name rules); none when the path is not under it.</summary>
    internal static IReadOnlyList<string> Segments(HttpContext context, string prefix)
    {
        try
        {
            return RequestReading.SegmentsFromPath(context, prefix) ?? [];
        }
        catch (InvalidArgumentException)
        {
            throw new InvalidArgumentException($"'{context.Request.Path}' is not a journal path: a txid or step is UTF-8 text, percent-encoded (a '%' followed by two hex digits), and this one does not decode to it.");
        }
    }

    private static async Task AppendAsync(HttpContext context, JournalService journal, string txid, string step)
    {
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        Caller.Demand(context, AuthResources.Journal, JournalEndpoints.Append, txid);
        if (!IsJson(context.Request))
        {
            throw new InvalidArgumentException($"A journal entry must be sent as Content-Type: application/json (or another application/*+json); got '{context.Request.ContentType}'.");
        }

        var message = await JournalEndpoints.ReadMessageAsync(context, journal.Options.MaxMessageBytes).ConfigureAwait(false);
        try
        {
            await journal.AppendAsync(txid, step, message, context.RequestAborted).ConfigureAwait(false);
        }
        catch (UnavailableException ex) when (ex.Message.StartsWith("Unsaved Journal entry", StringComparison.Ordinal))
        {
            // The seed's own answer when neither the primary nor the secondary took the entry.
            await WriteSeedJsonAsync(context, StatusCodes.Status500InternalServerError, "message", JsonSerializer.Serialize($"Unsaved Journal entry -- {txid}##{step}", WireJson.Options)).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentLength = 0;
    }

    private static async Task StatusAsync(HttpContext context, JournalService journal, string txid)
    {
        JournalNames.ValidateTxid(txid);
        Caller.Demand(context, AuthResources.Journal, JournalEndpoints.Read, txid);
        var status = await journal.GetStatusAsync(txid, context.RequestAborted).ConfigureAwait(false);
        var (code, body) = status.State switch
        {
            JournalState.Committed or JournalState.Aborted => (StatusCodes.Status200OK, status.Message),
            JournalState.InProgress => (StatusCodes.Status202Accepted, "\"Task in progress\""u8.ToArray()),
            _ => (StatusCodes.Status404NotFound, "\"Task not found\""u8.ToArray()),
        };
        await WriteSeedJsonAsync(context, code, "status", body).ConfigureAwait(false);
    }

    // {"name": value}, spaced as the seed's Python server wrote it; value is JSON already.
    private static Task WriteSeedJsonAsync(HttpContext context, int status, string name, string jsonValue) =>
        WriteSeedJsonAsync(context, status, name, Encoding.UTF8.GetBytes(jsonValue));

    // The same with the value as UTF-8, written as it is: a message may be megabytes, and is not copied into a string
    // or a new buffer on its way out. A HEAD gets the same status and headers, Content-Length included, and no body.
    private static async Task WriteSeedJsonAsync(HttpContext context, int status, string name, ReadOnlyMemory<byte> jsonValue)
    {
        var head = Encoding.UTF8.GetBytes("{\"" + name + "\": ");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = head.Length + jsonValue.Length + 1;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await context.Response.Body.WriteAsync(head, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(jsonValue, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync("}"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>True when the request says its body is JSON: <c>application/json</c> or a structured <c>+json</c> type
    /// such as <c>application/vnd.api+json</c> (parameters such as charset allowed), as the seed's Flask server read
    /// any of them as JSON.</summary>
    public static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
        && (type.SubType.Equals("json", StringComparison.OrdinalIgnoreCase)
            || (type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase) && type.SubTypeWithoutSuffix.Length > 0));
}
