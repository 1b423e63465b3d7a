using Cairn.Contracts;
using Cairn.Coordination.Pools;
using Cairn.Core;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// <c>/v1/pools</c>: zookeeper-exp1's buddy circle: join under a session, leave, list members with their buddies, a
/// pool's joins and leaves as a stream, a member's own loop as a stream (its buddy, the items it took over from dead
/// members, the loss of its session), and its in-flight items.
/// </summary>
internal static class PoolEndpoints
{
    public const string Prefix = "/v1/pools";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix, ListPoolsAsync).WithName("ListPools").WithTags("pools").Produces<PoolList>()
            .RequirePermission(AuthResources.Pools, "read");
        app.MapGet(Prefix + "/{pool}", GetAsync).WithName("GetPool").WithTags("pools").Produces<PoolDto>()
            .RequirePermission(AuthResources.Pools, "read", "pool");
        app.MapPost(Prefix + "/{pool}/members", JoinAsync).WithName("JoinPool").WithTags("pools").Produces<PoolMemberDto>(StatusCodes.Status201Created)
            .RequirePermission(AuthResources.Pools, "write", "pool");
        app.MapDelete(Prefix + "/{pool}/members/{member}", LeaveAsync).WithName("LeavePool").WithTags("pools").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Pools, "write", "pool");
        app.MapGet(Prefix + "/{pool}/events", EventsAsync).WithName("WatchPool").WithTags("pools").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Pools, "read", "pool");
        app.MapGet(Prefix + "/{pool}/members/{member}/events", FollowAsync).WithName("FollowPoolMember").WithTags("pools").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Pools, "read", "pool");
        app.MapGet(Prefix + "/{pool}/members/{member}/items", ItemsAsync).WithName("ListPoolItems").WithTags("pools").Produces<List<PoolItemDto>>()
            .RequirePermission(AuthResources.Pools, "read", "pool");
        app.MapPut(Prefix + "/{pool}/members/{member}/items/{item}", PutItemAsync).WithName("PutPoolItem").WithTags("pools").Produces<PoolItemDto>()
            .RequirePermission(AuthResources.Pools, "write", "pool");
        app.MapDelete(Prefix + "/{pool}/members/{member}/items/{item}", FinishItemAsync).WithName("FinishPoolItem").WithTags("pools").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Pools, "write", "pool");
    }

    private static async Task ListPoolsAsync(HttpContext context, PoolStore pools, IKeyspace store)
    {
        await CoordinationHttp.SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        var names = await pools.ListPoolsAsync(context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new PoolList([.. names])).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, PoolStore pools, string pool)
    {
        Pool(pool);
        var found = await pools.GetAsync(pool, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, found, found.Revision).ConfigureAwait(false);
    }

    private static async Task JoinAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool)
    {
        Pool(pool);
        var request = await Json.ReadAsync<JoinPoolDto>(context).ConfigureAwait(false);
        if (request.Name is { Length: > CoordinationHttp.MaxMemberNameLength })
        {
            throw new InvalidArgumentException($"'name' is at most {CoordinationHttp.MaxMemberNameLength} characters; got {request.Name.Length}.");
        }

        await CoordinationHttp.RequireLeaseAsync(store, request.Lease, context.RequestAborted).ConfigureAwait(false);
        var member = await pools.JoinAsync(pool, request.Lease, request.Name, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = $"{Prefix}/{CoordinationHttp.Segment(pool)}/members/{CoordinationHttp.Segment(member.Id)}";
        await CoordinationHttp.WriteAsync(context, member, member.JoinRevision, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task LeaveAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool, string member)
    {
        Member(pool, member);
        if (!await pools.LeaveAsync(pool, member, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoSuchMember(pool, member);
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task EventsAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool)
    {
        Pool(pool);
        var (start, revision) = await EventStream.StartAsync(store, EventStream.ResumeFrom(context), context.RequestAborted).ConfigureAwait(false);
        await EventStream.StreamAsync(
            context,
            start,
            revision,
            token => pools.WatchAsync(pool, start, token),
            e => new SseEvent(e.Type, e.Revision, e)).ConfigureAwait(false);
    }

    // The member's loop runs here for as long as the stream is open: the server watches its buddy for it and takes over
    // a dead buddy's items. Not resumable: a reconnect starts the loop again (a first 'buddy' event says where it stands).
    private static async Task FollowAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool, string member)
    {
        await FindMemberAsync(pools, pool, member, context.RequestAborted).ConfigureAwait(false);
        var (start, revision) = await EventStream.StartAsync(store, 0, context.RequestAborted).ConfigureAwait(false);
        await EventStream.StreamAsync(
            context,
            start,
            revision,
            token => pools.FollowAsync(pool, member, token),
            e => new SseEvent(e.Type, e.Revision, e)).ConfigureAwait(false);
    }

    private static async Task ItemsAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool, string member)
    {
        Member(pool, member);
        await CoordinationHttp.SetCurrentRevisionAsync(context, store).ConfigureAwait(false);
        var items = await pools.ItemsAsync(pool, member, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, items).ConfigureAwait(false);
    }

    private static async Task PutItemAsync(HttpContext context, PoolStore pools, string pool, string member, string item)
    {
        Member(pool, member);
        CoordinationHttp.Name("item id", item);
        var request = await Json.ReadAsync<PutPoolItemDto>(context).ConfigureAwait(false);
        if (request.Value is null)
        {
            throw new InvalidArgumentException("'value' is required: what the item is, for whoever finishes it.");
        }

        CoordinationHttp.CheckSize(request.Value, CoordinationHttp.MaxValueBytes);
        var stored = await pools.PutItemAsync(pool, member, item, request.Value, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, stored, stored.ModRevision).ConfigureAwait(false);
    }

    private static async Task FinishItemAsync(HttpContext context, PoolStore pools, IKeyspace store, string pool, string member, string item)
    {
        Member(pool, member);
        CoordinationHttp.Name("item id", item);
        if (!await pools.FinishItemAsync(pool, member, item, context.RequestAborted).ConfigureAwait(false))
        {
            throw new NotFoundException($"Member '{member}' of pool '{pool}' holds no item '{item}' (finished, taken over, or never put).");
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task FindMemberAsync(PoolStore pools, string pool, string member, CancellationToken cancellationToken)
    {
        Member(pool, member);
        var found = await pools.GetAsync(pool, cancellationToken).ConfigureAwait(false);
        if (!found.Members.Any(m => m.Id == member))
        {
            throw NoSuchMember(pool, member);
        }
    }

    private static void Pool(string pool) => CoordinationHttp.Name("pool name", pool);

    private static void Member(string pool, string member)
    {
        Pool(pool);
        CoordinationHttp.Name("member id", member);
    }

    private static NotFoundException NoSuchMember(string pool, string member) =>
        new($"'{member}' is not a member of pool '{pool}' (it left, or its session ended; rejoin under a new id).");
}
