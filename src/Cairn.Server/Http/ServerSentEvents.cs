using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cairn.Server.Http;

/// <summary>
/// The one writer of server-sent-event streams (key watches, journal watches, and every status stream to come): the
/// headers, a <c>created</c> event, then one event per item, each flushed, until the client leaves or the stream ends.
/// When the server stops, the stream just ends (an EventSource or Cairn.Client reconnects with <c>Last-Event-ID</c>); when
/// the stream fails with a <see cref="CairnException"/>, a last <c>error</c> event says why in the problem's shape.
/// </summary>
internal static class ServerSentEvents
{
    /// <summary>Where a stream resumes: the revision after the client's <c>Last-Event-ID</c> (sent by an EventSource
    /// that reconnects), else <paramref name="fromRevision"/>.</summary>
    /// <exception cref="InvalidArgumentException">Last-Event-ID is not a revision.</exception>
    public static long ResumeFrom(HttpContext context, long fromRevision)
    {
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length == 0)
        {
            return fromRevision;
        }

        return long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? last + 1
            : throw new InvalidArgumentException($"Last-Event-ID must be a revision; got '{lastEventId}'.");
    }

    /// <summary>
    /// Streams <paramref name="items"/> (made with a token that fires when the client leaves or the server stops) as
    /// events described by <paramref name="describe"/>, after a <c>created</c> event carrying the start revision and the
    /// store revision <paramref name="revision"/> (also sent as the <c>Cairn-Revision</c> header).
    /// </summary>
    public static async Task StreamAsync<T>(HttpContext context, long startRevision, long revision, Func<CancellationToken, IAsyncEnumerable<T>> items, Func<T, SseEvent> describe)
    {
        // Counted against the caller's open streams (Auth:MaxWatchesPerUser) until it ends; past the cap, a 429 before any header.
        using var slot = Security.CallerLimits.EnterStream(context);
        // A stream lasts until the client leaves or the server stops: shutdown must not wait for watchers to hang up.
        var lifetime = context.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        // Asked for before the headers go: a store that refuses it (too many watches) is answered with a problem.
        var stream = items(ending.Token).GetAsyncEnumerator(ending.Token);
        await using (stream.ConfigureAwait(false))
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            RevisionHeader.Set(context, revision);
            var body = context.Response.Body;
            await WriteAsync(body, new SseEvent("created", null, new WatchCreatedDto { StartRevision = startRevision, Revision = revision }), context.RequestAborted).ConfigureAwait(false);
            try
            {
                while (await stream.MoveNextAsync().ConfigureAwait(false))
                {
                    await WriteAsync(body, describe(stream.Current), ending.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ending.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                // The server is stopping: end the stream; the client reconnects with Last-Event-ID.
            }
            catch (CairnException ex)
            {
                // Headers are gone; say why the stream ends as a last event, in the same problem shape.
                await WriteAsync(body, new SseEvent("error", null, new StreamErrorDto { Code = ex.Code, Detail = ex.Message, Details = ex.Details }), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteAsync(Stream body, SseEvent item, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (item.Id is { } id)
        {
            text.Append("id: ").Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("event: ").Append(item.Type).Append('\n');
        text.Append("data: ").Append(JsonSerializer.Serialize(item.Data, WireJson.Options)).Append("\n\n");
        await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
