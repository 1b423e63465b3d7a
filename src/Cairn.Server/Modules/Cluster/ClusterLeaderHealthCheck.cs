using Cairn.Coordination;
using Cairn.Core;
using Cairn.Server.Api.Probes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Modules.Cluster;

/// <summary>
/// A leader of the cluster is known: this node leads, or the leader key names another node. Until then leader-only work
/// (compaction, the journal's folding and export, job scheduling) is not done anywhere, so the node is not ready. Only
/// when clustering is on.
/// </summary>
internal sealed class ClusterLeaderHealthCheck(ClusterMember member, IKeyspace store) : IHealthCheck
{
    /// <summary>The check's name in a probe's problem.</summary>
    public const string Name = "cluster-leader";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StoreHealthCheck.Timeout);
        try
        {
            // A node that has just started has not campaigned yet: wait for the outcome rather than say "no leader".
            await member.Campaigned.WaitAsync(timeout.Token).ConfigureAwait(false);
            if (member.IsLeader)
            {
                return HealthCheckResult.Healthy("This node leads the cluster.");
            }

            var leader = await store.RangeAsync(new RangeRequest(KeyRange.Single(ClusterKeys.Leader)), timeout.Token).ConfigureAwait(false);
            return leader.Kvs.Count > 0
                ? HealthCheckResult.Healthy("Another node leads the cluster.")
                : HealthCheckResult.Unhealthy("No leader of the cluster is known: none is elected yet.");
        }
        catch (CairnException ex) when (ex.IsTransient)
        {
            return HealthCheckResult.Unhealthy("No leader of the cluster is known: " + ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"No leader of the cluster is known: this node has not finished campaigning within {StoreHealthCheck.Timeout.TotalSeconds:0.#} s.");
        }
    }
}
