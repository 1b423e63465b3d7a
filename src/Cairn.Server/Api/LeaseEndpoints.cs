using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary><c>/v1/leases</c>: grant, keep alive, inspect, list and revoke leases.</summary>
internal static class LeaseEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/leases", GrantAsync).WithName("GrantLease").WithTags("leases").Produces<LeaseDto>(StatusCodes.Status201Created)
            .RequirePermission(AuthResources.Leases, KeyspaceAccess.Write);
        app.MapGet("/v1/leases", ListAsync).WithName("ListLeases").WithTags("leases").Produces<LeaseListDto>()
            .RequirePermission(AuthResources.Leases, KeyspaceAccess.Read);
        app.MapGet("/v1/leases/{id}", GetAsync).WithName("GetLease").WithTags("leases").Produces<LeaseDto>()
            .RequirePermission(AuthResources.Leases, KeyspaceAccess.Read);
        app.MapPost("/v1/leases/{id}/keepalive", KeepAliveAsync).WithName("KeepAliveLease").WithTags("leases").Produces<LeaseDto>()
            .RequirePermission(AuthResources.Leases, KeyspaceAccess.Write);
        app.MapDelete("/v1/leases/{id}", RevokeAsync).WithName("RevokeLease").WithTags("leases").Produces<LeaseDto>()
            .RequirePermission(AuthResources.Leases, KeyspaceAccess.Write);
    }

    private static async Task GrantAsync(HttpContext context, IKeyspace store)
    {
        var body = await Json.ReadAsync<LeaseGrantDto>(context).ConfigureAwait(false);
        var grant = await store.GrantLeaseAsync(body.Ttl, body.Id, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, grant.Revision);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/v1/leases/{grant.Id}";
        await Json.WriteAsync(context, new LeaseDto { Id = grant.Id, Ttl = grant.TtlSeconds, Remaining = grant.TtlSeconds, Revision = grant.Revision }).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, IKeyspace store)
    {
        var leases = await store.ListLeasesAsync(context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new LeaseListDto { Leases = leases.Select(l => LeaseDto.From(l, withKeys: false)).ToList() }).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, IKeyspace store, string id)
    {
        var leaseId = ParseId(id);
        var withKeys = RequestReading.Flag(context, "keys");
        var lease = await store.LeaseTimeToLiveAsync(leaseId, withKeys, context.RequestAborted).ConfigureAwait(false)
            ?? throw new LeaseNotFoundException(leaseId);

        // The keys' names are the keys': listing them needs read on each, as etcd's LeaseTimeToLive with keys does. The
        // refusal does not name the key (that would show it).
        DemandOnKeys(context, leaseId, lease.Keys, KeyspaceAccess.Read);

        await Json.WriteAsync(context, LeaseDto.From(lease, withKeys)).ConfigureAwait(false);
    }

    private static async Task KeepAliveAsync(HttpContext context, IKeyspace store, string id)
    {
        var lease = await store.KeepAliveLeaseAsync(ParseId(id), context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, LeaseDto.From(lease, withKeys: false)).ConfigureAwait(false);
    }

    private static async Task RevokeAsync(HttpContext context, IKeyspace store, string id)
    {
        var leaseId = ParseId(id);

        // Revoking deletes the lease's keys: it needs write on each, as etcd's LeaseRevoke does.
        if (Caller.Of(context).IsRestricted
            && await store.LeaseTimeToLiveAsync(leaseId, includeKeys: true, context.RequestAborted).ConfigureAwait(false) is { } lease)
        {
            DemandOnKeys(context, leaseId, lease.Keys, KeyspaceAccess.Write);
        }

        var revision = await store.RevokeLeaseAsync(leaseId, context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, revision);
        await Json.WriteAsync(context, new LeaseRevokeDto { Id = leaseId, Revision = revision }).ConfigureAwait(false);
    }

    /// <summary>Refuses unless the caller may <paramref name="action"/> every key of the lease (revoking deletes them;
    /// listing them shows their names), as etcd checks; the etcd API's lease calls use it too.</summary>
    internal static void DemandOnKeys(HttpContext context, long leaseId, IReadOnlyList<string> keys, string action)
    {
        foreach (var key in keys)
        {
            if (!Caller.CanRange(context, KeyRange.Single(key), action))
            {
                throw Caller.Refuse(context, AuthResources.Kv, action, $"the keys of lease {leaseId}");
            }
        }
    }

    internal static long ParseId(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new InvalidArgumentException($"'{text}' is not a lease id (a positive integer).");
}
