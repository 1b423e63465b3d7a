using Cairn.Core;
using Cairn.Server.Snapshots;
using Cairn.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server;

/// <summary><c>GET /v1/admin/snapshot</c> (a consistent tar of the keyspace and the volume files, while serving) and
/// <c>POST /v1/admin/volumes/rebuild?dir=</c> (metadata from a volume's files).</summary>
internal static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/snapshot", async (HttpContext context, IKeyspace store, NodeInfo node) =>
        {
            context.Response.ContentType = "application/x-tar";
            context.Response.Headers.ContentDisposition = "attachment; filename=\"cairn-snapshot.tar\"";
            try
            {
                await SnapshotWriter.WriteAsync(context.Response.Body, store, context.RequestServices.GetService<BlobStore>(), node.Id, context.RequestAborted).ConfigureAwait(false);
            }
            catch (CairnException) when (context.Response.HasStarted)
            {
                // Part of the tar is out: break the transfer, so the client never keeps a snapshot that looks whole.
                context.Abort();
            }
        }).WithName("Snapshot").WithTags("admin");

        app.MapPost("/v1/admin/volumes/rebuild", async (HttpContext context) =>
        {
            var blobs = context.RequestServices.GetService<BlobStore>() ?? throw new NotFoundException("Volumes are not enabled on this server (Volumes:Enabled is false).");
            var dir = RequestReading.Text(context, "dir") ?? throw new InvalidArgumentException("Give the volume directory: ?dir=/path/to/volume.");
            var result = await blobs.RebuildAsync(dir, context.RequestAborted).ConfigureAwait(false);
            await Json.WriteAsync(context, result).ConfigureAwait(false);
        }).WithName("RebuildVolume").WithTags("admin");
    }
}
