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
/// <c>/v1/barriers</c>: a simple barrier (hold, release, wait until released) and a double barrier whose rounds let
/// exactly <c>count</c> participants through at once (enter, then leave and wait until all of the round have left).
/// </summary>
internal static class BarrierEndpoints
{
    public const string Prefix = "/v1/barriers";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPut(Prefix + "/{name}", HoldAsync).WithName("HoldBarrier").WithTags("barriers").Produces<BarrierStateDto>()
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapDelete(Prefix + "/{name}", ReleaseAsync).WithName("ReleaseBarrier").WithTags("barriers").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapGet(Prefix + "/{name}", GetAsync).WithName("GetBarrier").WithTags("barriers").Produces<BarrierStateDto>()
            .RequirePermission(AuthResources.Locks, "read", "name");
        app.MapPost(Prefix + "/{name}/wait", WaitAsync).WithName("WaitBarrier").WithTags("barriers").Produces<BarrierStateDto>()
            .RequirePermission(AuthResources.Locks, "read", "name");
        app.MapPost(Prefix + "/{name}/enter", EnterAsync).WithName("EnterBarrier").WithTags("barriers").Produces<BarrierEntryDto>()
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/leave", LeaveAsync).WithName("LeaveBarrier").WithTags("barriers").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
    }

    private static async Task HoldAsync(HttpContext context, BarrierStore barriers, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        var state = await barriers.HoldAsync(name, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, state, state.Revision).ConfigureAwait(false);
    }

    private static async Task ReleaseAsync(HttpContext context, BarrierStore barriers, IKeyspace store, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        if (!await barriers.ReleaseAsync(name, context.RequestAborted).ConfigureAwait(false))
        {
            throw new NotFoundException($"Barrier '{name}' is not held.");
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, BarrierStore barriers, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        var state = await barriers.GetAsync(name, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, state, state.Revision).ConfigureAwait(false);
    }

    // 200 either way: Held true in the answer means the wait ran out with the barrier still held.
    private static async Task WaitAsync(HttpContext context, BarrierStore barriers, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        var wait = CoordinationHttp.WaitQuery(context);
        var passed = await barriers.WaitAsync(name, wait, context.RequestAborted).ConfigureAwait(false);
        var state = await barriers.GetAsync(name, context.RequestAborted).ConfigureAwait(false);
        state.Held = !passed;
        await CoordinationHttp.WriteAsync(context, state, state.Revision).ConfigureAwait(false);
    }

    private static async Task EnterAsync(HttpContext context, BarrierStore barriers, IKeyspace store, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        var request = await Json.ReadAsync<EnterBarrierDto>(context).ConfigureAwait(false);
        var wait = CoordinationHttp.Wait(request.WaitSeconds);
        if (request.Count is < 2 or > 10_000)
        {
            throw new InvalidArgumentException($"'count' must be between 2 and 10000 (the participants of a round); got {request.Count}.");
        }

        await CoordinationHttp.RequireLeaseAsync(store, request.Lease, context.RequestAborted).ConfigureAwait(false);

        // The request's own token: a participant that hangs up while waiting is withdrawn.
        var entry = await barriers.EnterAsync(name, request, context.RequestAborted).ConfigureAwait(false)
            ?? throw new ConflictException($"The round of barrier '{name}' did not fill within {LockEndpoints.Seconds(wait)}; the participant is withdrawn.");
        await CoordinationHttp.WriteAsync(context, entry, 0).ConfigureAwait(false);
    }

    private static async Task LeaveAsync(HttpContext context, BarrierStore barriers, IKeyspace store, string name)
    {
        CoordinationHttp.Name("barrier name", name);
        var wait = CoordinationHttp.WaitQuery(context);
        var entry = await Json.ReadAsync<BarrierEntryDto>(context).ConfigureAwait(false);
        if (entry.Name.Length > 0 && entry.Name != name)
        {
            throw new InvalidArgumentException($"'name' in the body ('{entry.Name}') differs from the barrier in the path ('{name}').");
        }

        entry.Name = name;
        CoordinationHttp.Name("participant id", entry.Participant);
        if (entry.Round < 1)
        {
            throw new InvalidArgumentException($"'round' must be the round the participant entered (1, 2, …); got {entry.Round}.");
        }

        if (!await barriers.LeaveAsync(name, entry, wait, context.RequestAborted).ConfigureAwait(false))
        {
            throw new ConflictException($"Not every participant of round {entry.Round} of barrier '{name}' left within {LockEndpoints.Seconds(wait)}.");
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }
}
