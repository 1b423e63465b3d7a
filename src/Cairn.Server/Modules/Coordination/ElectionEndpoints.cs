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
/// <c>/v1/elections</c>: campaign (waits until leading, or 409 after <c>waitSeconds</c> with the candidacy withdrawn),
/// proclaim and resign while leading, the current leader, and the leaders as a stream (SSE or WebSocket).
/// </summary>
internal static class ElectionEndpoints
{
    public const string Prefix = "/v1/elections";

    /// <summary>The SSE event type of an observation.</summary>
    public const string LeaderEvent = "leader";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix + "/{name}/campaign", CampaignAsync).WithName("Campaign").WithTags("elections").Produces<LeaderDto>()
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/proclaim", ProclaimAsync).WithName("Proclaim").WithTags("elections").Produces<LeaderDto>()
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapPost(Prefix + "/{name}/resign", ResignAsync).WithName("Resign").WithTags("elections").Produces(StatusCodes.Status204NoContent)
            .RequirePermission(AuthResources.Locks, "write", "name");
        app.MapGet(Prefix + "/{name}", LeaderAsync).WithName("GetLeader").WithTags("elections").Produces<LeaderDto>()
            .RequirePermission(AuthResources.Locks, "read", "name");
        app.MapGet(Prefix + "/{name}/observe", ObserveAsync).WithName("ObserveElection").WithTags("elections").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .RequirePermission(AuthResources.Locks, "read", "name");
    }

    private static async Task CampaignAsync(HttpContext context, ElectionStore elections, IKeyspace store, string name)
    {
        CoordinationHttp.Name("election name", name);
        var request = await Json.ReadAsync<CampaignDto>(context).ConfigureAwait(false);
        var wait = CoordinationHttp.Wait(request.WaitSeconds);
        if (request.Value is null)
        {
            throw new InvalidArgumentException("'value' is required: what the leader proclaims (e.g. its address).");
        }

        CoordinationHttp.CheckSize(request.Value, CoordinationHttp.MaxValueBytes);
        await CoordinationHttp.RequireLeaseAsync(store, request.Lease, context.RequestAborted).ConfigureAwait(false);

        // The request's own token: a candidate that hangs up while waiting withdraws.
        var leader = await elections.CampaignAsync(name, request, context.RequestAborted).ConfigureAwait(false)
            ?? throw new ConflictException($"Not elected leader of '{name}' within {LockEndpoints.Seconds(wait)}; the candidacy is withdrawn.");
        await CoordinationHttp.WriteAsync(context, leader, leader.Revision).ConfigureAwait(false);
    }

    private static async Task ProclaimAsync(HttpContext context, ElectionStore elections, string name)
    {
        CoordinationHttp.Name("election name", name);
        var leadership = await ReadLeadershipAsync(context, name).ConfigureAwait(false);
        if (leadership.Value is null)
        {
            throw new InvalidArgumentException("'value' is required: the value to proclaim.");
        }

        CoordinationHttp.CheckSize(leadership.Value, CoordinationHttp.MaxValueBytes);
        var leader = await elections.ProclaimAsync(name, leadership, context.RequestAborted).ConfigureAwait(false);
        await CoordinationHttp.WriteAsync(context, leader, leader.Revision).ConfigureAwait(false);
    }

    private static async Task ResignAsync(HttpContext context, ElectionStore elections, IKeyspace store, string name)
    {
        CoordinationHttp.Name("election name", name);
        var leadership = await ReadLeadershipAsync(context, name).ConfigureAwait(false);
        if (!await elections.ResignAsync(name, leadership, context.RequestAborted).ConfigureAwait(false))
        {
            throw new NotFoundException($"{leadership.Key} (token {leadership.Token}) is not a candidate of '{name}' (resigned already, or its session ended).");
        }

        await CoordinationHttp.NoContentAsync(context, store).ConfigureAwait(false);
    }

    private static async Task LeaderAsync(HttpContext context, ElectionStore elections, string name)
    {
        CoordinationHttp.Name("election name", name);
        var leader = await elections.LeaderAsync(name, context.RequestAborted).ConfigureAwait(false)
            ?? throw new NotFoundException($"Election '{name}' has no leader.");
        await CoordinationHttp.WriteAsync(context, leader, leader.Revision).ConfigureAwait(false);
    }

    // Not resumable: an observation starts with the leader as it is then, which is all a reconnecting client needs.
    private static async Task ObserveAsync(HttpContext context, ElectionStore elections, IKeyspace store, string name)
    {
        CoordinationHttp.Name("election name", name);
        var (start, revision) = await EventStream.StartAsync(store, 0, context.RequestAborted).ConfigureAwait(false);
        await EventStream.StreamAsync(
            context,
            start,
            revision,
            token => elections.ObserveAsync(name, token),
            leader => new SseEvent(LeaderEvent, leader.Revision, leader)).ConfigureAwait(false);
    }

    private static async Task<LeadershipDto> ReadLeadershipAsync(HttpContext context, string name)
    {
        var leadership = await Json.ReadAsync<LeadershipDto>(context).ConfigureAwait(false);
        var prefix = ElectionStore.Prefix + name + "/";
        if (string.IsNullOrEmpty(leadership.Key) || !leadership.Key.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"'key' is required: the candidate's key from the campaign, under {prefix}.");
        }

        if (leadership.Token <= 0)
        {
            throw new InvalidArgumentException("'token' is required: the leadership's token from the campaign (a positive revision).");
        }

        return leadership;
    }
}
