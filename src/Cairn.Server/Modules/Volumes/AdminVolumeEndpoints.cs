using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Cairn.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Volumes;

/// <summary><c>/v1/admin/status</c>, <c>/v1/admin/network</c>, <c>/v1/admin/network/{node}</c>: the store's figures and
/// each storage node's disk, load and synchronisation (the Pulzar API serves the same at <c>/admin/…</c>); and
/// <c>POST /v1/admin/volumes/rebuild?dir=</c> (metadata from a volume's files).</summary>
internal static class AdminVolumeEndpoints
{
    /// <summary>The admin action that reads the store's and the nodes' figures.</summary>
    public const string Status = "status";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/status", StatusAsync).WithName("AdminStatus").WithTags("admin").RequirePermission(AuthResources.Admin, Status);
        app.MapGet("/v1/admin/network", NetworkAsync).WithName("AdminNetwork").WithTags("admin").RequirePermission(AuthResources.Admin, Status);
        app.MapGet("/v1/admin/network/{node}", (HttpContext context, BlobStore blobs, string node) => NodeAsync(context, blobs, node)).WithName("AdminNode").WithTags("admin")
            .RequirePermission(AuthResources.Admin, Status);
        app.MapPost("/v1/admin/volumes/rebuild", RebuildAsync).WithName("RebuildVolume").WithTags("admin").RequirePermission(AuthResources.Admin, "volumes");
    }

    /// <summary>Recreates the metadata of the files in one of this server's volume directories (<c>?dir=</c>).</summary>
    private static async Task RebuildAsync(HttpContext context, BlobStore blobs)
    {
        var dir = RequestReading.Text(context, "dir") ?? throw new InvalidArgumentException("Give the volume directory: ?dir=/path/to/volume.");
        var result = await blobs.RebuildAsync(dir, context.RequestAborted).ConfigureAwait(false);
        await Json.WriteAsync(context, new VolumeRebuildDto { Scanned = result.Scanned, Restored = result.Restored, Skipped = result.Skipped, Corrupt = result.Corrupt }).ConfigureAwait(false);
    }

    /// <summary>Store statistics: <c>entries</c> (blob keys), their bytes, the keyspace's figures, and the Pulzar seed's
    /// page fields (<see cref="AdminStatusDto"/>: what the store knows, null for the rest).</summary>
    public static async Task StatusAsync(HttpContext context, BlobStore blobs, IKeyspace store)
    {
        var status = await blobs.StatusAsync(context.RequestAborted).ConfigureAwait(false);
        var keyspace = await store.StatusAsync(context.RequestAborted).ConfigureAwait(false);
        RevisionHeader.Set(context, keyspace.Revision);
        await Json.WriteAsync(context, new AdminStatusDto
        {
            Entries = status.Entries,
            PageSize = keyspace.PageSize,
            Bytes = status.Bytes,
            InlineEntries = status.InlineEntries,
            FileEntries = status.Entries - status.InlineEntries,
            Volumes = status.Volumes.Count,
            Nodes = status.Volumes.Select(v => v.NodeId).Distinct().Count(),
            KeyCount = keyspace.KeyCount,
            DbSizeBytes = keyspace.SizeBytes,
            Revision = keyspace.Revision,
            Backend = keyspace.Backend,
        }).ConfigureAwait(false);
    }

    /// <summary>Every storage node: <c>[{node, percent, load, synch, …}]</c>.</summary>
    public static async Task NetworkAsync(HttpContext context, BlobStore blobs)
    {
        var nodes = Nodes(await blobs.VolumesAsync(context.RequestAborted).ConfigureAwait(false));
        await Json.WriteAsync(context, nodes).ConfigureAwait(false);
    }

    /// <summary>One storage node, or 404.</summary>
    public static async Task NodeAsync(HttpContext context, BlobStore blobs, string node)
    {
        var nodes = Nodes(await blobs.VolumesAsync(context.RequestAborted).ConfigureAwait(false));
        var found = nodes.FirstOrDefault(n => n.Node == node) ?? throw new NotFoundException($"No storage node '{node}' is registered.");
        await Json.WriteAsync(context, found).ConfigureAwait(false);
    }

    private static List<StorageNodeDto> Nodes(IReadOnlyList<VolumeRecord> volumes) =>
        volumes.GroupBy(v => v.NodeId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var total = g.Sum(v => v.TotalBytes);
            var free = g.Sum(v => v.FreeBytes);
            return new StorageNodeDto
            {
                Node = g.Key,
                Percent = total <= 0 ? 0 : (int)Math.Round(100.0 * (total - free) / total),
                Load = g.Max(v => v.Load),
                Synch = g.All(v => v.Synch),
                FreeBytes = free,
                TotalBytes = total,
                UpdatedAt = g.Max(v => v.UpdatedAt),
                Volumes = [.. g.Select(v => new StorageVolumeDto { VolumeId = v.VolumeId, Path = v.Path, Percent = v.UsedPercent, FreeBytes = v.FreeBytes, TotalBytes = v.TotalBytes, Synch = v.Synch })],
            };
        }).ToList();
}
