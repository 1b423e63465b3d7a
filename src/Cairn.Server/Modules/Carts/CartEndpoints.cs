using Cairn.Carts;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Http;
using Cairn.Server.Modules.Coordination;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// <c>/v1/carts</c>: post a cart, list and read carts (with files, bytes and ETA), follow a cart's progress (SSE or
/// WebSocket, resumable), download its tar (<c>Range</c>, <c>If-Range</c>, <c>ETag</c>; proxied from the node that keeps
/// it), delete it, fix a failed one; <c>/v1/admin/carts/purge</c>; and <c>/v1/internal/carts/{uid}/tar</c>, which serves
/// the other nodes from this node's volume.
/// </summary>
internal static class CartEndpoints
{
    public const string Prefix = "/v1/carts";

    public const string InternalPrefix = "/v1/internal/carts";

    /// <summary>The action that reads carts (and downloads them).</summary>
    public const string Read = "read";

    /// <summary>The action that posts, fixes and deletes carts.</summary>
    public const string Write = "write";

    private const int DefaultLimit = 100;

    private const int MaxLimit = 1000;

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    private static readonly string[] States = [CartStates.Waiting, CartStates.Staging, CartStates.Bundling, CartStates.Ready, CartStates.Error];

    // The uid route value is the name the handlers read from the raw target (which refuses what would differ: an encoded
    // slash, a dot segment), so the check is on the cart the handler serves.
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix, ListAsync).WithName("ListCarts").WithTags("carts").Produces<CartListDto>()
            .RequirePermission(AuthResources.Carts, Read);
        app.MapPost(Prefix + "/{uid}", CreateAsync).WithName("CreateCart").WithTags("carts").Produces<CartDto>(StatusCodes.Status201Created)
            .RequirePermission(AuthResources.Carts, Write, "uid");
        app.MapGet(Prefix + "/{uid}", GetAsync).WithName("GetCart").WithTags("carts").Produces<CartDto>()
            .RequirePermission(AuthResources.Carts, Read, "uid");
        app.MapDelete(Prefix + "/{uid}", DeleteAsync).WithName("DeleteCart").WithTags("carts").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Carts, Write, "uid");
        app.MapGet(Prefix + "/{uid}/events", EventsAsync).WithName("WatchCart").WithTags("carts").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Carts, Read, "uid");
        app.MapMethods(Prefix + "/{uid}/tar", GetOrHead, TarAsync).WithName("DownloadCart").WithTags("carts")
            .Produces(StatusCodes.Status200OK, contentType: "application/x-tar").Produces(StatusCodes.Status206PartialContent, contentType: "application/x-tar")
            .RequirePermission(AuthResources.Carts, Read, "uid");
        app.MapPost(Prefix + "/{uid}/fix", FixAsync).WithName("FixCart").WithTags("carts").Produces<CartDto>()
            .RequirePermission(AuthResources.Carts, Write, "uid");
        app.MapPost("/v1/admin/carts/purge", PurgeAsync).WithName("PurgeCarts").WithTags("carts").Produces<PurgeCartsResultDto>()
            .RequirePermission(AuthResources.Carts, Write);
        app.MapMethods(InternalPrefix + "/{uid}/tar", GetOrHead, InternalTarAsync).ExcludeFromDescription().RequirePermission(AuthResources.Internal, Read);
    }

    /// <summary>The uid in the path after <paramref name="prefix"/>, from the raw request target (an encoded slash stays
    /// in it, to be refused), checked.</summary>
    public static string Uid(HttpContext context, string prefix)
    {
        var segments = RequestReading.SegmentsFromPath(context, prefix + "/");
        return CartPaths.CheckUid(segments is { Count: > 0 } ? segments[0] : "");
    }

    /// <summary>The cart, or a 404.</summary>
    public static async Task<CartDto> FindAsync(CartStore carts, string uid, bool withFiles, CancellationToken cancellationToken) =>
        await carts.GetAsync(uid, withFiles, cancellationToken).ConfigureAwait(false) ?? throw NoSuchCart(uid);

    public static NotFoundException NoSuchCart(string uid) => new($"No cart '{uid}' (never posted, or deleted).");

    private static async Task CreateAsync(HttpContext context, CartStore carts)
    {
        var uid = Uid(context, Prefix);
        var request = await Json.ReadAsync<CreateCartDto>(context).ConfigureAwait(false);
        var cart = await carts.CreateAsync(uid, request, requireHashes: false, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"{Prefix}/{Uri.EscapeDataString(uid)}";
        RevisionHeader.Set(context, cart.ModRevision);
        await Json.WriteAsync(context, cart).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, CartStore carts)
    {
        var limit = RequestReading.Long(context, "limit") ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidArgumentException($"'limit' must be between 1 and {MaxLimit}; got {limit}.");
        }

        var state = RequestReading.Text(context, "state");
        if (state is not null && !States.Contains(state, StringComparer.Ordinal))
        {
            throw new InvalidArgumentException($"'state' must be one of {string.Join(", ", States)}; got '{state}'.");
        }

        var after = RequestReading.Text(context, "after");
        var page = await carts.ListAsync(string.IsNullOrEmpty(after) ? null : after, (int)limit, state, RequestReading.Flag(context, "files"), context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, page).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, CartStore carts)
    {
        var cart = await FindAsync(carts, Uid(context, Prefix), withFiles: true, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, cart.ModRevision);
        await Json.WriteAsync(context, cart).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, CartStore carts)
    {
        var uid = Uid(context, Prefix);
        if (!await carts.DeleteAsync(uid, context.RequestAborted).ConfigureAwait(false))
        {
            throw NoSuchCart(uid);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task FixAsync(HttpContext context, CartStore carts)
    {
        var cart = await carts.FixAsync(Uid(context, Prefix), context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, cart.ModRevision);
        await Json.WriteAsync(context, cart).ConfigureAwait(false);
    }

    private static async Task PurgeAsync(HttpContext context, CartStore carts)
    {
        var request = await Json.ReadAsync<PurgeCartsDto>(context).ConfigureAwait(false);
        if (!Durations.TryParse(request.OlderThan, out var olderThan))
        {
            throw new InvalidArgumentException($"'olderThan' must be a duration ({Durations.Forms}), e.g. 180d; got '{request.OlderThan}'.");
        }

        var result = await carts.PurgeAsync(olderThan, request.DryRun, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, result).ConfigureAwait(false);
    }

    private static async Task EventsAsync(HttpContext context, CartStore carts, IKeyspace store)
    {
        // Settled before the stream starts (and before a WebSocket upgrade): a bad uid or revision is a 400, a compacted
        // one a 410, an unknown cart a 404.
        var uid = Uid(context, Prefix);
        var from = EventStream.ResumeFrom(context);
        var (start, revision) = await EventStream.StartAsync(store, from, context.RequestAborted).ConfigureAwait(false);
        if (from == 0)
        {
            await FindAsync(carts, uid, withFiles: false, context.RequestAborted).ConfigureAwait(false);
        }

        // From now (0), the store's feed begins with the cart as it is; resumed, it replays what came after.
        await EventStream.StreamAsync(
            context,
            start,
            revision,
            token => carts.WatchAsync(uid, from, token),
            e => new SseEvent(e.Type, e.Revision, e)).ConfigureAwait(false);
    }

    private static async Task TarAsync(HttpContext context, CartStore carts)
    {
        var cart = await FindAsync(carts, Uid(context, Prefix), withFiles: false, context.RequestAborted).ConfigureAwait(false);
        var fileName = CartDownloads.FileName(context);
        if (cart.State != CartStates.Ready)
        {
            await CartDownloads.NotReadyAsync(context, cart).ConfigureAwait(false);
            return;
        }

        await CartDownloads.ServeAsync(context, cart, fileName).ConfigureAwait(false);
    }

    private static async Task InternalTarAsync(HttpContext context, CartStore carts, LocalCarts local)
    {
        var uid = Uid(context, InternalPrefix);
        var cartId = RequestReading.Text(context, "cartId");
        var cart = await carts.GetAsync(uid, withFiles: false, context.RequestAborted).ConfigureAwait(false);
        if (cart is null || !string.Equals(cart.CartId, cartId, StringComparison.Ordinal))
        {
            // Deleted or posted again since the other node looked.
            throw new NotFoundException($"Cart '{uid}' instance '{cartId}' is no longer here.");
        }

        if (cart.State != CartStates.Ready)
        {
            await CartDownloads.NotReadyAsync(context, cart).ConfigureAwait(false);
            return;
        }

        await CartDownloads.ServeLocalAsync(context, local, cart, CartDownloads.FileName(context)).ConfigureAwait(false);
    }
}
