using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Core;
using Cairn.Core.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>
/// <c>GET /v1/watch</c>: a watch as Server-Sent Events, or, with a WebSocket upgrade, a socket that carries many
/// watches (see <see cref="WatchSocket"/>).
/// </summary>
internal static class WatchEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/watch", WatchAsync).WithName("Watch").WithTags("watch");

    private static async Task WatchAsync(HttpContext context, IKeyspace store, IHostApplicationLifetime lifetime)
    {
        // A watch lasts until the client leaves or the server stops: shutdown must not wait for watchers to hang up.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        if (context.WebSockets.IsWebSocketRequest)
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            var logger = context.RequestServices.GetRequiredService<ILogger<WatchSocket>>();
            await new WatchSocket(socket, store, logger).RunAsync(ending.Token).ConfigureAwait(false);
            return;
        }

        await StreamEventsAsync(context, store, ending.Token).ConfigureAwait(false);
    }

    private static async Task StreamEventsAsync(HttpContext context, IKeyspace store, CancellationToken ending)
    {
        var create = new WatchCreateDto
        {
            Key = RequestReading.Text(context, "key") ?? throw new InvalidArgumentException("A watch needs 'key' (with prefix=true and key= for every key)."),
            Prefix = RequestReading.Flag(context, "prefix"),
            End = RequestReading.Text(context, "end"),
            FromKey = RequestReading.Flag(context, "fromKey"),
            FromRevision = RequestReading.Long(context, "fromRevision") ?? 0,
            PrevKv = RequestReading.Flag(context, "prevKv"),
            ProgressSeconds = RequestReading.Double(context, "progressSeconds"),
        };

        // An EventSource that reconnects sends the id of the last event it got; resume just after it.
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            create.FromRevision = long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                ? last + 1
                : throw new InvalidArgumentException($"Last-Event-ID must be a revision; got '{lastEventId}'.");
        }

        var (request, revision) = await WatchStart.ResolveAsync(store, create.ToModel(), context.RequestAborted).ConfigureAwait(false);

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        KvEndpoints.SetRevision(context, revision);
        var body = context.Response.Body;
        await WriteEventAsync(body, "created", null, new { startRevision = request.StartRevision, revision }, context.RequestAborted).ConfigureAwait(false);

        try
        {
            await foreach (var response in store.WatchAsync(request, ending).ConfigureAwait(false))
            {
                await WriteEventAsync(
                    body,
                    response.IsProgressNotify ? "progress" : "events",
                    response.Revision,
                    WatchResponseDto.From(response),
                    ending).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ending.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // The server is stopping: end the stream; an EventSource (or Cairn.Client) reconnects with Last-Event-ID.
        }
        catch (CairnException ex)
        {
            // Headers are gone; say why the stream ends as a last event, in the same problem shape.
            await WriteEventAsync(body, "error", null, new { code = ex.Code, detail = ex.Message, details = ex.Details }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal static async Task WriteEventAsync(Stream body, string type, long? id, object data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (id is { } revision)
        {
            text.Append("id: ").Append(revision.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("event: ").Append(type).Append('\n');
        text.Append("data: ").Append(JsonSerializer.Serialize(data, WireJson.Options)).Append("\n\n");
        await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
