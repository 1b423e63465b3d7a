using System.Globalization;
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
/// <c>/v1/locks</c>: mutexes, read-write locks and semaphores whose grants carry a fencing token. An acquire waits (up to
/// <c>waitSeconds</c>, or until the client hangs up) and is answered with the grant, or 409 with nothing left queued; the
/// grant lives as long as the client's lease.
/// </summary>
internal static class LockEndpoints
{
    public const string Prefix = "/v1/locks";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix + "/{name}", AcquireAsync).WithName("AcquireLock").WithTags("locks").Produces<LockGrantDto>()
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapDelete(Prefix + "/{name}", ReleaseAsync).WithName("ReleaseLock").WithTags("locks").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapGet(Prefix + "/{name}", GetAsync).WithName("GetLock").WithTags("locks").Produces<LockStateDto>()
            .RequirePermission(AuthResources.Locks, "read", "name");
    }

    private static async Task AcquireAsync(HttpContext context, LockStore locks, IKeyspace store, string name)
    {
        CoordinationHttp.Name("lock name", name);
        var request = await Json.ReadAsync<LockRequestDto>(context).ConfigureAwait(false);
        var wait = CoordinationHttp.Wait(request.WaitSeconds);
        if (request.Owner is { Length: > CoordinationHttp.MaxMemberNameLength })
        {
            throw new InvalidArgumentException($"'owner' is at most {CoordinationHttp.MaxMemberNameLength} characters; got {request.Owner.Length}.");
        }

        await CoordinationHttp.RequireLeaseAsync(store, request.Lease, context.RequestAborted).ConfigureAwait(false);

        // The request's own token: a client that hangs up while waiting withdraws from the queue.
        var grant = await locks.AcquireAsync(name, request, context.RequestAborted).ConfigureAwait(false)
            ?? throw new ConflictException($"Lock '{name}' was not granted within {Seconds(wait)}; nothing of this request is left queued.");
        await CoordinationHttp.WriteAsync(context, grant, grant.Token).ConfigureAwait(false);
    }

    private static async Task ReleaseAsync(HttpContext context, LockStore locks, IKeyspace store, string name)
    {
        CoordinationHttp.Name("lock name", name);
        var key = RequestReading.Text(context, "key");
        if (string.IsNullOrEmpty(key) || !key.StartsWith(LockStore.Prefix + name + "/", StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"Query parameter 'key' is required: the grant's key, under {LockStore.Prefix}{name}/.");
        }

        var token = RequestReading.Long(context, "token") ?? 0;
        if (token <= 0)
        {
            throw new InvalidArgumentException("Query parameter 'token' is required: the grant's fencing token (a positive revision).");
        }

        if (!await locks.ReleaseAsync(name, key, token, context.RequestAborted).ConfigureAwait(false))
        {
            throw new NotFoundException($"Lock '{name}' is not held by {key} with token {token} (released already, or its session ended).");
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, LockStore locks, string name)
    {
        CoordinationHttp.Name("lock name", name);
        var state = await locks.GetAsync(name, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, state, state.Revision).ConfigureAwait(false);
    }

    /// <summary>A wait for a message: "0.5 s".</summary>
    public static string Seconds(TimeSpan? wait) =>
        wait is { } w ? w.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "the wait";
}
