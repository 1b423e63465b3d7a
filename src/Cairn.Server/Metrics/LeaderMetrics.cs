using Cairn.Coordination;
using Cairn.Core;
using Prometheus;

namespace Cairn.Server.Metrics;

/// <summary>
/// etcd's leader families: <c>cairn_has_leader</c> and <c>cairn_leader_changes_seen_total</c>. In a cluster they are read
/// from the cluster module's leader key (<see cref="ClusterKeys.Leader"/>) at scrape time: there is a leader while the
/// key exists, and a new leader is a key created again (a new create revision), the first one included, as etcd counts
/// its first election. Changes between two scrapes count as one. A server outside a cluster is its own leader, and that
/// never changes: 1 and 0.
/// </summary>
internal sealed class LeaderMetrics : IScrapedMetrics
{
    private readonly IKeyspace _store;
    private readonly bool _cluster;
    private readonly Gauge _hasLeader;
    private readonly Counter _changes;
    private long _leaderCreated;

    /// <summary>Creates the families; <paramref name="store"/> is read at scrape time when <paramref name="cluster"/>.</summary>
    public LeaderMetrics(IKeyspace store, bool cluster, IMetricFactory metrics)
    {
        _store = store;
        _cluster = cluster;
        _hasLeader = metrics.CreateGauge("cairn_has_leader", "1 when the cluster has a leader, else 0 (etcd: etcd_server_has_leader).");
        _changes = metrics.CreateCounter("cairn_leader_changes_seen_total", "New leaders this server has seen, sampled at scrape time (etcd: etcd_server_leader_changes_seen_total).");
        if (!cluster)
        {
            _hasLeader.Set(1);
        }
    }

    /// <summary>Reads the leader key.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        if (!_cluster)
        {
            return;
        }

        var leader = await _store.RangeAsync(new RangeRequest(KeyRange.Single(ClusterKeys.Leader)), cancellationToken).ConfigureAwait(false);
        var created = leader.Kvs.Count > 0 ? leader.Kvs[0].CreateRevision : 0;
        _hasLeader.Set(created > 0 ? 1 : 0);
        if (created > 0 && created != _leaderCreated)
        {
            _changes.Inc();
        }

        if (created > 0)
        {
            _leaderCreated = created;
        }
    }
}
