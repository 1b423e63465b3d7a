using System.Diagnostics;
using Cairn.Core;
using Cairn.Storage;
using Prometheus;

namespace Cairn.Server.Metrics;

/// <summary>
/// Counts what reaches the store, whatever the backend: the etcd-like keyspace families of <c>/metrics</c>
/// (<c>cairn_put_total</c>, <c>cairn_txn_total</c>, <c>cairn_write_duration_seconds</c>, open watches …), and, at scrape
/// time, the store's own figures from <see cref="IKeyspace.StatusAsync"/> and its live leases.
/// </summary>
/// <remarks>It sits right in front of the store, behind the limits and the "no space" alarm, so what they refuse is
/// not counted; an operation is counted once it succeeded. Puts, deletes and ranges inside a txn's executed branch are
/// counted as puts, deletes and ranges too, as etcd counts them.</remarks>
internal sealed class MeteredKeyspace : DelegatingKeyspace, IScrapedMetrics
{
    private readonly Counter _puts;
    private readonly Counter _deletes;
    private readonly Counter _txns;
    private readonly Counter _ranges;
    private readonly Counter _compacts;
    private readonly Counter _leasesGranted;
    private readonly Counter _leasesRevoked;
    private readonly Histogram _writeSeconds;
    private readonly Gauge _keys;
    private readonly Gauge _dbSize;
    private readonly Gauge _revision;
    private readonly Gauge _watchers;
    private readonly Gauge _leases;

    /// <summary>Counts the calls to <paramref name="inner"/> in <paramref name="metrics"/>; owns <paramref name="inner"/>.</summary>
    public MeteredKeyspace(IKeyspace inner, IMetricFactory metrics)
        : base(inner)
    {
        _puts = metrics.CreateCounter("cairn_put_total", "Puts applied to the store, single or in a txn (etcd: etcd_mvcc_put_total).");
        _deletes = metrics.CreateCounter("cairn_delete_total", "Deletes applied to the store, single or in a txn (etcd: etcd_mvcc_delete_total).");
        _txns = metrics.CreateCounter("cairn_txn_total", "Txns applied to the store, read-only ones included (etcd: etcd_mvcc_txn_total).");
        _ranges = metrics.CreateCounter("cairn_range_total", "Reads (ranges) served by the store, single or in a txn (etcd: etcd_mvcc_range_total).");
        _compacts = metrics.CreateCounter("cairn_compact_total", "Compactions of the store's history.");
        _leasesGranted = metrics.CreateCounter("cairn_lease_granted_total", "Leases granted (etcd: etcd_server_lease_granted_total).");
        _leasesRevoked = metrics.CreateCounter("cairn_lease_revoked_total", "Leases revoked by a caller; expired ones are not counted (etcd: etcd_server_lease_revoked_total).");
        _writeSeconds = metrics.CreateHistogram("cairn_write_duration_seconds", "Time the store took to apply a put, delete or txn, durably (etcd: etcd_disk_backend_commit_duration_seconds).", new HistogramConfiguration
        {
            Buckets = MeterBridge.SecondsBuckets,
        });
        _keys = metrics.CreateGauge("cairn_keys", "Live keys in the store, read at scrape time (etcd: etcd_debugging_mvcc_keys_total).");
        _dbSize = metrics.CreateGauge("cairn_db_size_bytes", "Bytes the store takes, history included, read at scrape time (etcd: etcd_mvcc_db_total_size_in_bytes).");
        _revision = metrics.CreateGauge("cairn_revision", "The store's current revision, read at scrape time.");
        _watchers = metrics.CreateGauge("cairn_watchers", "Watches open on the store (etcd: etcd_debugging_mvcc_watcher_total).");
        _leases = metrics.CreateGauge("cairn_leases", "Live leases, read at scrape time.");
    }

    /// <inheritdoc />
    public override async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        var result = await Inner.RangeAsync(request, cancellationToken).ConfigureAwait(false);
        _ranges.Inc();
        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await Inner.PutAsync(request, cancellationToken).ConfigureAwait(false);
        _writeSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _puts.Inc();
        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await Inner.DeleteAsync(request, cancellationToken).ConfigureAwait(false);
        _writeSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _deletes.Inc();
        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var result = await Inner.TxnAsync(request, cancellationToken).ConfigureAwait(false);
        if (!request.IsReadOnly)
        {
            _writeSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        _txns.Inc();
        foreach (var op in result.Succeeded ? request.Success : request.Failure)
        {
            (op switch
            {
                PutRequest => _puts,
                DeleteRequest => _deletes,
                _ => _ranges,
            }).Inc();
        }

        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        var result = await Inner.CompactAsync(revision, cancellationToken).ConfigureAwait(false);
        _compacts.Inc();
        return result;
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<WatchResponse> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default)
    {
        // Counted when asked for and given back when its enumerator is disposed, as the watch limit counts.
        var watch = Inner.WatchAsync(request, cancellationToken);
        _watchers.Inc();
        return new CountedWatch(watch, () => _watchers.Dec());
    }

    /// <inheritdoc />
    public override async ValueTask<LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default)
    {
        var grant = await Inner.GrantLeaseAsync(ttlSeconds, id, cancellationToken).ConfigureAwait(false);
        _leasesGranted.Inc();
        return grant;
    }

    /// <inheritdoc />
    public override async ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default)
    {
        var revision = await Inner.RevokeLeaseAsync(id, cancellationToken).ConfigureAwait(false);
        _leasesRevoked.Inc();
        return revision;
    }

    /// <summary>Reads the store's status and its live leases into the gauges.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var status = await Inner.StatusAsync(cancellationToken).ConfigureAwait(false);
        _keys.Set(status.KeyCount);
        _dbSize.Set(status.SizeBytes);
        _revision.Set(status.Revision);
        var leases = await Inner.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
        _leases.Set(leases.Count);
    }
}
