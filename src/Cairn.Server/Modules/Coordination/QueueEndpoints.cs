using Cairn.Contracts;
using Cairn.Coordination.Recipes;
using Cairn.Core;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// <c>/v1/queues</c>: a queue with at-least-once delivery: enqueue, dequeue (claims the oldest ready item for the
/// consumer's session, waiting up to <c>waitSeconds</c>; 204 when none came), ack, nack, and the queue's length.
/// </summary>
internal static class QueueEndpoints
{
    public const string Prefix = "/v1/queues";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix + "/{name}", EnqueueAsync).WithName("Enqueue").WithTags("queues").Produces<QueueItemDto>(StatusCodes.Status201Created)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/dequeue", DequeueAsync).WithName("Dequeue").WithTags("queues").Produces<QueueItemDto>().Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/items/{id}/ack", AckAsync).WithName("AckQueueItem").WithTags("queues").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/items/{id}/nack", NackAsync).WithName("NackQueueItem").WithTags("queues").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapGet(Prefix + "/{name}", GetAsync).WithName("GetQueue").WithTags("queues").Produces<QueueStateDto>()
            .RequirePermission(AuthResources.Locks, "read", "name");
    }

    private static async Task EnqueueAsync(HttpContext context, QueueStore queues, string name)
    {
        CoordinationHttp.Name("queue name", name);
        var request = await Json.ReadAsync<EnqueueItemDto>(context).ConfigureAwait(false);
        if (request.Value is null)
        {
            throw new InvalidArgumentException("'value' is required: the item (text).");
        }

        CoordinationHttp.CheckSize(request.Value, CoordinationHttp.MaxValueBytes);
        var item = await queues.EnqueueAsync(name, request.Value, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = $"{Prefix}/{CoordinationHttp.Segment(name)}/items/{CoordinationHttp.Segment(item.Id)}";
        await CoordinationHttp.WriteAsync(context, item, item.Revision, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task DequeueAsync(HttpContext context, QueueStore queues, IKeyspace store, string name)
    {
        CoordinationHttp.Name("queue name", name);
        var request = await Json.ReadAsync<DequeueDto>(context).ConfigureAwait(false);
        CoordinationHttp.Wait(request.WaitSeconds);
        await CoordinationHttp.RequireLeaseAsync(store, request.Lease, context.RequestAborted).ConfigureAwait(false);

        // The request's own token: a consumer that hangs up while waiting claims nothing.
        var item = await queues.DequeueAsync(name, request, context.RequestAborted).ConfigureAwait(false);
        if (item is null)
        {
            await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
            return;
        }

        await CoordinationHttp.WriteAsync(context, item, 0).ConfigureAwait(false);
    }

    private static async Task AckAsync(HttpContext context, QueueStore queues, IKeyspace store, string name, string id)
    {
        var lease = Item(context, name, id);
        if (!await queues.AckAsync(name, id, lease, context.RequestAborted).ConfigureAwait(false))
        {
            throw NotHeld(name, id, lease);
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task NackAsync(HttpContext context, QueueStore queues, IKeyspace store, string name, string id)
    {
        var lease = Item(context, name, id);
        if (!await queues.NackAsync(name, id, lease, context.RequestAborted).ConfigureAwait(false))
        {
            throw NotHeld(name, id, lease);
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, QueueStore queues, string name)
    {
        CoordinationHttp.Name("queue name", name);
        var state = await queues.GetAsync(name, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, state, state.Revision).ConfigureAwait(false);
    }

    private static long Item(HttpContext context, string name, string id)
    {
        CoordinationHttp.Name("queue name", name);
        CoordinationHttp.Name("item id", id);
        return CoordinationHttp.LeaseQuery(context);
    }

    private static NotFoundException NotHeld(string name, string id, long lease) =>
        new($"Session {lease} does not hold item {id} of queue '{name}' (acknowledged, given back, or its claim went with an ended session).");
}
