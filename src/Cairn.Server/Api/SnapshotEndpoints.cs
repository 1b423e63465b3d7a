using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Security;
using Cairn.Server.Snapshots;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Api;

/// <summary><c>GET /v1/admin/snapshot</c>: a consistent tar of the keyspace and of the files the modules carry with it
/// (<see cref="ISnapshotFileSource"/>), taken while serving.</summary>
internal static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/admin/snapshot", async (HttpContext context, IKeyspace store, NodeInfo node, IEnumerable<ISnapshotFileSource> sources) =>
        {
            context.Response.ContentType = "application/x-tar";
            context.Response.Headers.ContentDisposition = "attachment; filename=\"cairn-snapshot.tar\"";
            try
            {
                await SnapshotWriter.WriteAsync(context.Response.Body, store, [.. sources], node.Id, node.Time, context.RequestAborted).ConfigureAwait(false);
            }
            catch (CairnException) when (context.Response.HasStarted)
            {
                // Part of the tar is out: break the transfer, so the client never keeps a snapshot that looks whole.
                context.Abort();
            }
        }).WithName("Snapshot").WithTags("admin").RequirePermission(AuthResources.Admin, "snapshot");
}
