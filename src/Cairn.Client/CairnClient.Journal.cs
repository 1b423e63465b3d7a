using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>The journal of long-running requests over <c>/v1/journal</c>.</summary>
public sealed partial class CairnClient
{
    private const int ExpectContinueBytes = 64 * 1024;

    /// <summary>Appends step <paramref name="step"/> of request <paramref name="txid"/> with a JSON message
    /// (<c>POST /v1/journal/{txid}/{step}</c>). Writing a step that exists already is not an error: the first message is
    /// kept and <see cref="JournalAppendResultDto.Created"/> is false, so retries are safe.</summary>
    /// <param name="txid">The request id: any text of at most 4096 bytes of UTF-8 without <c>/</c> or control characters,
    /// other than <c>.</c> and <c>..</c> (<see cref="JournalNames"/>).</param>
    /// <param name="step">The step name (begin, authorization, commit, abort, …), same rules.</param>
    /// <param name="message">One JSON value, UTF-8.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The entry now in the journal (the one written, or the earlier one that won), whether it was created,
    /// and whether the server spooled it to its secondary because its store was unavailable.</returns>
    /// <exception cref="InvalidArgumentException">A bad txid or step, or a message that is not one JSON value.</exception>
    /// <exception cref="LimitExceededException">The message is over the server's limit.</exception>
    /// <exception cref="ConflictException">The request is finished and folded into history; it takes no new steps.</exception>
    /// <exception cref="UnavailableException">Neither the server's store nor its secondary could take the entry.</exception>
    public Task<JournalAppendResultDto> AppendJournalAsync(string txid, string step, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        JournalNames.ValidateTxid(txid);
        JournalNames.ValidateStep(step);
        // The size limit is the server's to say (413); the client checks only what is wrong anywhere.
        JournalMessages.Validate(message.Span, int.MaxValue);
        var request = new HttpRequestMessage(HttpMethod.Post, JournalUri(txid, step)) { Content = new ReadOnlyMemoryContent(message) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        if (message.Length > ExpectContinueBytes)
        {
            // A server that refuses the size (413) says so before the body is sent; without this, it answers and closes
            // while a large body is still being written, and the client sees a broken connection instead of the 413.
            request.Headers.ExpectContinue = true;
        }

        return SendJsonAsync<JournalAppendResultDto>(request, cancellationToken);
    }

    /// <summary>Appends a step with a JSON message given as text; see
    /// <see cref="AppendJournalAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    /// <param name="txid">The request id.</param>
    /// <param name="step">The step name.</param>
    /// <param name="json">One JSON value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JournalAppendResultDto> AppendJournalAsync(string txid, string step, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        return AppendJournalAsync(txid, step, Encoding.UTF8.GetBytes(json), cancellationToken);
    }

    /// <summary>A request with all its steps, times, revisions and messages (<c>GET /v1/journal/{txid}</c>), from the
    /// server's store, its secondary and history.</summary>
    /// <param name="txid">The request id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The request, or null when the journal has no step of it.</returns>
    public Task<JournalRequestDto?> GetJournalRequestAsync(string txid, CancellationToken cancellationToken = default)
    {
        JournalNames.ValidateTxid(txid);
        return SendJsonOrNullAsync<JournalRequestDto>(new HttpRequestMessage(HttpMethod.Get, JournalUri(txid)), cancellationToken);
    }

    /// <summary>Where a request stands (<c>GET /v1/journal/{txid}/status</c>): committed with the commit message, else
    /// aborted with the abort message, else in progress (no message).</summary>
    /// <param name="txid">The request id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The status, or null when the request is not found (no begin, commit or abort step).</returns>
    public Task<JournalStatusDto?> GetJournalStatusAsync(string txid, CancellationToken cancellationToken = default)
    {
        JournalNames.ValidateTxid(txid);
        return SendJsonOrNullAsync<JournalStatusDto>(new HttpRequestMessage(HttpMethod.Get, JournalUri(txid, "status")), cancellationToken);
    }

    /// <summary>One page of requests matching <paramref name="query"/>, in request-id order (<c>GET /v1/journal?…</c>).</summary>
    /// <param name="query">Filters, cursor and page size; null lists every request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; its <see cref="JournalListDto.Next"/> is the cursor of the next one, null on the last.</returns>
    public Task<JournalListDto> ListJournalAsync(JournalListQuery? query = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync<JournalListDto>(new HttpRequestMessage(HttpMethod.Get, JournalListPath(query ?? new JournalListQuery())), cancellationToken);

    /// <summary>Every request matching <paramref name="query"/>, following the pages (each page is one request).</summary>
    /// <param name="query">Filters and page size; its <see cref="JournalListQuery.After"/> is where the first page starts.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async IAsyncEnumerable<JournalSummaryDto> ListAllJournalAsync(JournalListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new JournalListQuery();
        while (true)
        {
            var page = await ListJournalAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var request in page.Requests)
            {
                yield return request;
            }

            if (page.Next is null || page.Next == query.After)
            {
                yield break;
            }

            query = query with { After = page.Next };
        }
    }

    /// <summary>
    /// The steps of request <paramref name="txid"/> as they are appended (<c>GET /v1/journal/{txid}/events</c>, SSE),
    /// until cancelled. Like the key watch, it survives dropped connections: it reconnects (with a growing delay, up to
    /// 5 s) and resumes after the last revision it delivered, so no step is lost or repeated.
    /// </summary>
    /// <param name="txid">The request id.</param>
    /// <param name="fromRevision">First store revision to deliver (replaying steps written since); 0: steps from now on.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <exception cref="CompactedException">The start revision has been compacted.</exception>
    /// <exception cref="UnavailableException">The first connection could not be made.</exception>
    public async IAsyncEnumerable<JournalStepDto> WatchJournalAsync(string txid, long fromRevision = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JournalNames.ValidateTxid(txid);
        ArgumentOutOfRangeException.ThrowIfNegative(fromRevision);

        // "From now" is pinned to a revision before the first connection, so that a connection lost before any step
        // arrived resumes there instead of at a later "now", which would skip what was written in between.
        var next = fromRevision > 0 ? fromRevision : (await ServerStatusAsync(cancellationToken).ConfigureAwait(false)).Revision + 1;
        var established = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = "v1/journal/" + Uri.EscapeDataString(txid) + "/events?fromRevision=" + next.ToString(CultureInfo.InvariantCulture);
            var stream = await OpenEventStreamAsync(path, established, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                failures++;
                await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
                continue;
            }

            established = true;
            await foreach (var sse in ReadConnectionAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                switch (sse.Type)
                {
                    case "step":
                        var step = ReadEventData<JournalStepDto>(sse.Data);
                        if (step.Revision < next)
                        {
                            continue; // delivered before a reconnection already
                        }

                        next = step.Revision + 1;
                        failures = 0;
                        yield return step;
                        break;
                    case "created":
                        failures = 0;
                        break;
                }
            }

            failures++;
            await Task.Delay(ReconnectDelay(failures), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one fold-and-export pass now (<c>POST /v1/admin/journal/export</c>): finished requests old enough are
    /// folded into history, history is exported, and exported history past retention is removed.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JournalExportDto> ExportJournalAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<JournalExportDto>(new HttpRequestMessage(HttpMethod.Post, "v1/admin/journal/export"), cancellationToken);

    private static T ReadEventData<T>(string data)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data, ReadOptions)
                ?? throw new InternalErrorException("The server sent an empty event.");
        }
        catch (JsonException ex)
        {
            throw new InternalErrorException($"The server's event is not the JSON this client expects: {ex.Message}");
        }
    }

    // Like SendJsonAsync, but a 404 is null rather than an exception.
    private Task<T?> SendJsonOrNullAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
        where T : class =>
        SendAsync(request, async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return await ReadJsonAsync<T>(response, ct).ConfigureAwait(false);
        }, cancellationToken);

    // Names are validated (no '/', never "." or ".."), and every byte but unreserved ones is percent-encoded, '.'
    // included, so each name is one path segment that nothing resolves; the path is sent as written.
    private Uri JournalUri(string txid, string? sub = null) =>
        KeyUri("v1/journal/" + KeyPath.Encode(txid) + (sub is null ? "" : "/" + KeyPath.Encode(sub)));

    private static string JournalListPath(JournalListQuery query)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parameters.Add(new(name, value));
            }
        }

        Add("state", query.State);
        Add("step", query.Step);
        Add("user", query.User);
        Add("host", query.Host);
        Add("resource", query.Resource);
        Add("verb", query.Verb);
        Add("from", query.From?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Add("to", query.To?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Add("stuck", query.Stuck is { } stuck ? Seconds(stuck) : null);
        Add("after", query.After);
        Add("limit", query.Limit?.ToString(CultureInfo.InvariantCulture));
        return parameters.Count == 0
            ? "v1/journal"
            : "v1/journal?" + string.Join('&', parameters.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
    }

    private static string Seconds(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            throw new InvalidArgumentException("The age of stuck requests must not be negative.");
        }

        return span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }
}
