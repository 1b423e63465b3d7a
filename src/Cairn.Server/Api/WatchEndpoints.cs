using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Api;

/// <summary>
/// <c>GET /v1/watch</c>: a watch as Server-Sent Events, or, with a WebSocket upgrade, a socket that carries many
/// watches (see <see cref="WatchSocket"/>).
/// </summary>
internal static class WatchEndpoints
{
    // The range is in the query (or, on a socket, in each create): the handlers check it, and filter every event.
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/watch", WatchAsync).WithName("Watch").WithTags("watch").AuthorizeInHandler(AuthResources.Kv);

    private static async Task WatchAsync(HttpContext context, IKeyspace store, IHostApplicationLifetime lifetime)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            // A watch lasts until the client leaves or the server stops: shutdown must not wait for watchers to hang up.
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            WebSocket socket;
            try
            {
                socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (!context.Response.HasStarted)
            {
                // Kestrel refuses the upgrade when the upgraded connections' share of Limits:MaxConnections is taken.
                throw new UnavailableException("Too many watch sockets are open (a quarter of Limits:MaxConnections); retry later, or watch over /v1/watch as an event stream.");
            }

            var logger = context.RequestServices.GetRequiredService<ILogger<WatchSocket>>();
            await new WatchSocket(socket, store, context, logger).RunAsync(ending.Token).ConfigureAwait(false);
            return;
        }

        await StreamEventsAsync(context, store).ConfigureAwait(false);
    }

    private static async Task StreamEventsAsync(HttpContext context, IKeyspace store)
    {
        var create = new WatchCreateDto
        {
            Key = RequestReading.Text(context, "key") ?? throw new InvalidArgumentException("A watch needs 'key' (with prefix=true and key= for every key)."),
            Prefix = RequestReading.Flag(context, "prefix"),
            End = RequestReading.Text(context, "end"),
            FromKey = RequestReading.Flag(context, "fromKey"),
            FromRevision = ServerSentEvents.ResumeFrom(context, RequestReading.Long(context, "fromRevision") ?? 0),
            PrevKv = RequestReading.Flag(context, "prevKv"),
            ProgressSeconds = RequestReading.Duration(context, "progress")?.TotalSeconds ?? RequestReading.Double(context, "progressSeconds"),
        };

        // A range the caller may read only partly is refused (as etcd does), not narrowed; the events are still checked
        // one by one as they go out, so that a permission taken away stops them at once.
        var asked = create.ToModel();
        Caller.DemandRange(context, asked.Range, KeyspaceAccess.Read);
        var canRead = KeyspaceAccess.EventFilter(context);
        var (request, revision) = await WatchStart.ResolveAsync(store, asked, context.RequestAborted).ConfigureAwait(false);
        await ServerSentEvents.StreamAsync(
            context,
            request.StartRevision,
            revision,
            ending => canRead is null ? store.WatchAsync(request, ending) : KeyspaceAccess.FilterAsync(store.WatchAsync(request, ending), canRead, ending),
            response => new SseEvent(response.IsProgressNotify ? "progress" : "events", response.Revision, WatchResponseDto.From(response))).ConfigureAwait(false);
    }
}
