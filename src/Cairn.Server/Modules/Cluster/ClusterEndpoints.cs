using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Coordination;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Modules.Cluster;

/// <summary><c>GET /v1/cluster/nodes</c>: the live nodes and the leader, read from the keyspace.</summary>
internal static class ClusterEndpoints
{
    private static readonly JsonSerializerOptions Lenient = new(WireJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/cluster/nodes", NodesAsync).WithName("ClusterNodes").WithTags("cluster").Produces<ClusterNodesDto>()
            .RequirePermission(AuthResources.Admin, "status");

    private static async Task NodesAsync(HttpContext context, IKeyspace store)
    {
        // One txn: the node list and the leader at the same revision.
        var read = new TxnRequest(
            [],
            [new RangeRequest(KeyRange.Prefix(ClusterKeys.NodesPrefix)), new RangeRequest(KeyRange.Single(ClusterKeys.Leader))],
            []);
        var result = await store.TxnAsync(read, context.RequestAborted).ConfigureAwait(false);
        var leaderKv = ((RangeResult)result.Results[1]).Kvs.SingleOrDefault();
        var leader = leaderKv is null ? null : Encoding.UTF8.GetString(leaderKv.Value.Span);
        var nodes = new List<ClusterNodeDto>();
        foreach (var kv in ((RangeResult)result.Results[0]).Kvs)
        {
            NodeRecordDto? record;
            try
            {
                record = JsonSerializer.Deserialize<NodeRecordDto>(kv.Value.Span, Lenient);
            }
            catch (JsonException)
            {
                record = null; // not written by a Cairn node; not a node
            }

            if (record is null)
            {
                continue;
            }

            nodes.Add(new ClusterNodeDto
            {
                NodeId = record.NodeId,
                Addresses = record.Addresses,
                StartedAt = record.StartedAt,
                Version = record.Version,
                Leader = record.NodeId == leader,
                Lease = kv.Lease,
            });
        }

        RevisionHeader.Set(context, result.Revision);
        await Json.WriteAsync(context, new ClusterNodesDto { Revision = result.Revision, Leader = leader, Nodes = nodes }).ConfigureAwait(false);
    }
}
