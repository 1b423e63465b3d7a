using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Journal;
using Cairn.Server.Api;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// <c>/v1/journal</c>: append a step, read a request with its steps, its status, list and query requests (including
/// "stuck" ones), watch a request's steps as Server-Sent Events; and <c>POST /v1/admin/journal/export</c>.
/// </summary>
internal static class JournalEndpoints
{
    public const string Prefix = "/v1/journal";

    /// <summary>The action that reads requests and their steps.</summary>
    public const string Read = "read";

    /// <summary>The action that appends steps.</summary>
    public const string Append = "append";
    private const int DefaultPageSize = 100;

    // No .Accepts("application/json") on the appends: routing would then answer other content types itself, with a
    // bare 415 (and the compat API must answer 400, as the seed did); the handlers check the content type instead.
    public static void Map(IEndpointRouteBuilder app)
    {
        // The txid route value is the name the handlers read from the raw target (which refuses what would differ: an
        // encoded slash, a dot segment), so the check is on the request the handler serves.
        app.MapPost(Prefix + "/{txid}/{step}", AppendAsync).WithName("AppendJournalStep").WithTags("journal")
            .Produces<JournalAppendResultDto>(StatusCodes.Status201Created).Produces<JournalAppendResultDto>()
            .RequirePermission(AuthResources.Journal, Append, "txid");
        app.MapGet(Prefix, ListAsync).WithName("ListJournalRequests").WithTags("journal").Produces<JournalListDto>()
            .RequirePermission(AuthResources.Journal, Read);
        app.MapGet(Prefix + "/{txid}", GetAsync).WithName("GetJournalRequest").WithTags("journal").Produces<JournalRequestDto>()
            .RequirePermission(AuthResources.Journal, Read, "txid");
        app.MapGet(Prefix + "/{txid}/status", StatusAsync).WithName("GetJournalStatus").WithTags("journal").Produces<JournalStatusDto>()
            .RequirePermission(AuthResources.Journal, Read, "txid");
        app.MapGet(Prefix + "/{txid}/events", EventsAsync).WithName("WatchJournalRequest").WithTags("journal").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Journal, Read, "txid");
        app.MapPost("/v1/admin/journal/export", ExportAsync).WithName("ExportJournal").WithTags("journal", "admin").Produces<JournalExportDto>()
            .RequirePermission(AuthResources.Journal, Read);
    }

    private static async Task AppendAsync(HttpContext context, JournalService journal)
    {
        var names = Names(context, 2);
        var (txid, step) = (names[0], names[1]);
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        if (!JournalCompatEndpoints.IsJson(context.Request))
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.UnsupportedMediaType, $"A journal message must be sent as Content-Type: application/json (or another application/*+json); got '{context.Request.ContentType}'.").ConfigureAwait(false);
            return;
        }

        var message = await ReadMessageAsync(context, journal.Options.MaxMessageBytes).ConfigureAwait(false);
        var result = await journal.AppendAsync(txid, step, message, context.RequestAborted).ConfigureAwait(false);
        var entry = result.Entry;
        if (entry.Revision > 0)
        {
            RevisionHeader.Set(context, entry.Revision);
        }

        // A header is ASCII: the txid is percent-encoded as in a request path.
        context.Response.Headers.Location = Prefix + "/" + Uri.EscapeDataString(txid);
        context.Response.StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await Json.WriteAsync(context, new JournalAppendResultDto
        {
            Txid = entry.Txid,
            Step = entry.Step,
            At = Stored(entry.At),
            Revision = entry.Revision,
            Node = entry.Node,
            Source = SourceName(entry.Source),
            Created = result.Created,
            Spooled = result.Spooled,
        }).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, JournalService journal)
    {
        var txid = Names(context, 1)[0];
        JournalNames.ValidateTxid(txid);
        await SetCurrentRevisionAsync(context, journal).ConfigureAwait(false);
        var request = await journal.GetAsync(txid, context.RequestAborted).ConfigureAwait(false);
        if (request is null)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.NotFound, $"The journal has no request '{txid}'.").ConfigureAwait(false);
            return;
        }

        await Json.WriteAsync(context, new JournalRequestDto
        {
            Txid = request.Txid,
            State = request.State.ToWire(),
            First = request.First,
            Last = request.Last,
            Segment = request.Segment,
            Fields = FieldsDto(request.Fields),
            Steps = [.. request.Steps.Select(s => StepDto(s, context))],
        }).ConfigureAwait(false);
    }

    private static async Task StatusAsync(HttpContext context, JournalService journal)
    {
        var txid = Names(context, 2)[0];
        JournalNames.ValidateTxid(txid);
        await SetCurrentRevisionAsync(context, journal).ConfigureAwait(false);
        var status = await journal.GetStatusAsync(txid, context.RequestAborted).ConfigureAwait(false);
        if (status.State == JournalState.Unknown)
        {
            await ProblemWriter.WriteAsync(context, ErrorCodes.NotFound, $"The journal has no request '{txid}' with a begin, commit or abort step.").ConfigureAwait(false);
            return;
        }

        await Json.WriteAsync(context, new JournalStatusDto
        {
            State = status.State.ToWire(),
            Message = status.State.IsFinished() ? ParseMessage(status.Message, context) : null,
            MessageText = status.State.IsFinished() ? MessageText(status.Message) : null,
        }).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, JournalService journal)
    {
        var stateText = RequestReading.Text(context, "state");
        JournalState? state = null;
        if (stateText is not null)
        {
            state = JournalStates.TryParse(stateText, out var parsed)
                ? parsed
                : throw new InvalidArgumentException($"Query parameter 'state' must be in-progress, committed, aborted or unknown; got '{stateText}'.");
        }

        var limit = RequestReading.Long(context, "limit") ?? DefaultPageSize;
        if (limit is < 1 or > JournalQuery.MaxLimit)
        {
            throw new InvalidArgumentException($"Query parameter 'limit' must be between 1 and {JournalQuery.MaxLimit}; got {limit}.");
        }

        var query = new JournalQuery
        {
            State = state,
            Step = RequestReading.Text(context, "step"),
            User = RequestReading.Text(context, "user"),
            Host = RequestReading.Text(context, "host"),
            Resource = RequestReading.Text(context, "resource"),
            Verb = RequestReading.Text(context, "verb"),
            From = Time(context, "from"),
            To = Time(context, "to"),
            After = RequestReading.Text(context, "after") is { Length: > 0 } after ? after : null,
            Limit = (int)limit,
        };

        await SetCurrentRevisionAsync(context, journal).ConfigureAwait(false);
        JournalPage page;
        if (RequestReading.Text(context, "stuck") is { } stuckText)
        {
            var age = Durations.TryParse(stuckText, out var parsedAge)
                ? parsedAge
                : throw new InvalidArgumentException($"Query parameter 'stuck' must be an age ({Durations.Forms}); got '{stuckText}'.");
            if (query.State is not (null or JournalState.InProgress))
            {
                throw new InvalidArgumentException("'stuck' lists in-progress requests; it cannot be combined with another 'state'.");
            }

            var onlyPaging = query with { After = null, Limit = DefaultPageSize } == new JournalQuery();
            page = onlyPaging
                ? await journal.StuckAsync(age, query.After, query.Limit, context.RequestAborted).ConfigureAwait(false)
                : await journal.ListAsync(StuckQuery(query, Durations.Before(journal.Options.Time.GetUtcNow(), age)), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            page = await journal.ListAsync(query, context.RequestAborted).ConfigureAwait(false);
        }

        await Json.WriteAsync(context, new JournalListDto
        {
            Requests = [.. page.Requests.Select(SummaryDto)],
            Next = page.Next,
        }).ConfigureAwait(false);
    }

    // Stuck requests with further filters: what StuckAsync asks for (in progress, begun before the cutoff), and the rest.
    private static JournalQuery StuckQuery(JournalQuery query, DateTimeOffset cutoff) =>
        query with { State = JournalState.InProgress, To = query.To is { } to && to < cutoff ? to : cutoff };

    private static async Task EventsAsync(HttpContext context, JournalService journal)
    {
        var txid = Names(context, 2)[0];
        JournalNames.ValidateTxid(txid);
        var from = RequestReading.Long(context, "fromRevision") ?? 0;
        if (from < 0)
        {
            throw new InvalidArgumentException($"Query parameter 'fromRevision' must not be negative; got {from}.");
        }

        // Where the stream starts is settled (and a compacted start refused) before any event is sent.
        var (request, revision) = await WatchStart.ResolveAsync(
            journal.Store,
            new WatchRequest(KeyRange.Prefix(JournalKeys.StepsOf(txid))) { StartRevision = ServerSentEvents.ResumeFrom(context, from) },
            context.RequestAborted).ConfigureAwait(false);
        await ServerSentEvents.StreamAsync(
            context,
            request.StartRevision,
            revision,
            ending => journal.WatchAsync(txid, request.StartRevision, ending),
            entry => new SseEvent("step", entry.Revision, StepDto(entry))).ConfigureAwait(false);
    }

    private static async Task ExportAsync(HttpContext context, JournalArchiver archiver)
    {
        var report = await archiver.RunOnceAsync(context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new JournalExportDto { Folded = report.Folded, Files = [.. report.Files], Removed = report.Removed }).ConfigureAwait(false);
    }

    /// <summary>Bodies over the limit that are drained, so that the client reads the 413.</summary>
    private const long DrainLimit = 64L * 1024 * 1024;

    /// <summary>
    /// Reads a journal message of at most <paramref name="limit"/> bytes; a bigger one is a <see cref="LimitExceededException"/>
    /// (413). A client that sends the whole body before reading the answer (no <c>Expect: 100-continue</c>, as Python's
    /// requests) would see its connection reset instead of the 413 if the server answered mid-upload and closed; so a
    /// body up to <see cref="DrainLimit"/> is read and discarded first. With <c>Expect: 100-continue</c> (curl) the 413
    /// is answered before anything is uploaded.
    /// </summary>
    internal static async Task<byte[]> ReadMessageAsync(HttpContext context, int limit)
    {
        // The server's own limit on bodies is the keyspace's; a journal message may be allowed more.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } allowed && allowed.MaxRequestBodySize < limit)
        {
            allowed.MaxRequestBodySize = limit;
        }

        var declared = context.Request.ContentLength;
        var expectsContinue = context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase);
        if (declared <= limit || expectsContinue || declared > DrainLimit)
        {
            return await RequestReading.BodyAsync(context, limit).ConfigureAwait(false);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = DrainLimit;
        }

        using var body = new MemoryStream();
        var chunk = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total <= limit)
            {
                body.Write(chunk, 0, read);
            }
            else if (total > DrainLimit)
            {
                break;
            }
        }

        return total <= limit ? body.ToArray() : throw new LimitExceededException("message", total, limit);
    }

    // The names in the path after /v1/journal/, decoded strictly from the raw request target (an encoded slash stays
    // inside its name, and is then refused by the name rules); the route already fixed how many there are.
    private static IReadOnlyList<string> Names(HttpContext context, int count)
    {
        var segments = JournalCompatEndpoints.Segments(context, Prefix + "/");
        if (segments.Count != count)
        {
            throw new InvalidArgumentException($"'{context.Request.Path}' is not a journal path (a txid or step cannot contain '/').");
        }

        return segments;
    }

    // The store revision the answer is at least as new as: read before the journal is. While the store is unavailable
    // the journal still answers from its secondary, without the header.
    private static async Task SetCurrentRevisionAsync(HttpContext context, JournalService journal)
    {
        try
        {
            var probe = await journal.Store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.NextSegment)) { CountOnly = true }, context.RequestAborted).ConfigureAwait(false);
            RevisionHeader.Set(context, probe.Revision);
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
        }
    }

    private static DateTimeOffset? Time(HttpContext context, string name)
    {
        if (RequestReading.Text(context, name) is not { Length: > 0 } text)
        {
            return null;
        }

        // A '+' of an offset that the client did not escape arrives as a space.
        foreach (var candidate in (ReadOnlySpan<string>)[text, text.Replace(' ', '+')])
        {
            if (DateTimeOffset.TryParse(candidate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return time;
            }
        }

        throw new InvalidArgumentException($"Query parameter '{name}' must be an ISO-8601 time such as 2024-06-13T16:47:55Z; got '{text}'.");
    }

    // Times are stored to the millisecond; an entry just written is answered as it will read back.
    private static DateTimeOffset Stored(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static string SourceName(JournalSource source) => source switch
    {
        JournalSource.Secondary => "secondary",
        JournalSource.History => "history",
        _ => "primary",
    };

    // A message as a JSON value of an answer: as standard JSON, so NaN, Infinity and -Infinity (which the journal
    // accepts, as Python's json did) are the strings "NaN", "Infinity", "-Infinity" there; MessageText then has it as
    // sent. With `answering`, the element is read in place (a message may be many megabytes; a clone would copy it)
    // and the document lives until the answer is written; without, it is cloned.
    private static JsonElement? ParseMessage(ReadOnlyMemory<byte> message, HttpContext? answering = null)
    {
        if (message.IsEmpty)
        {
            return null;
        }

        var document = JsonDocument.Parse(JournalMessages.ToStandardJson(message), JournalMessages.DocumentOptions);
        if (answering is not null)
        {
            answering.Response.RegisterForDispose(document);
            return document.RootElement;
        }

        using (document)
        {
            return document.RootElement.Clone();
        }
    }

    // The message exactly as sent, when the JSON of ParseMessage is not it; otherwise null (and left out of the answer).
    private static string? MessageText(ReadOnlyMemory<byte> message) =>
        JournalMessages.HasNamedNumbers(message.Span) ? System.Text.Encoding.UTF8.GetString(message.Span) : null;

    internal static JournalStepDto StepDto(JournalEntry entry) => StepDto(entry, null);

    private static JournalStepDto StepDto(JournalEntry entry, HttpContext? answering) => new()
    {
        Step = entry.Step,
        At = Stored(entry.At),
        Revision = entry.Revision,
        Node = entry.Node,
        Source = SourceName(entry.Source),
        Message = ParseMessage(entry.Message, answering),
        MessageText = MessageText(entry.Message),
    };

    private static JournalSummaryDto SummaryDto(JournalSummary summary) => new()
    {
        Txid = summary.Txid,
        State = summary.State.ToWire(),
        Steps = [.. summary.Steps],
        First = summary.First,
        Last = summary.Last,
        Fields = FieldsDto(summary.Fields),
        Revision = summary.Revision,
    };

    private static JournalFieldsDto FieldsDto(JournalFields fields) => new()
    {
        TransactionId = fields.TransactionId,
        RequestId = fields.RequestId,
        Host = fields.Host,
        Resource = fields.Resource,
        ResourceGroup = fields.ResourceGroup,
        Verb = fields.Verb,
        Pk = fields.Pk,
        Date = fields.Date,
        UserId = fields.UserId,
        AuthUserId = fields.AuthUserId,
        Role = fields.Role,
        Cm = fields.Cm,
    };
}
