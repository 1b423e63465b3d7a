using Cairn.Jobs;
using Cairn.Server.Metrics;
using Prometheus;

namespace Cairn.Server.Modules.Jobs;

/// <summary><c>cairn_jobs{state}</c>: how many jobs are in each state, read from the store at scrape time (finished
/// jobs stay until retention folds them away).</summary>
internal sealed class JobStateMetrics(JobStore jobs, ServerMetrics metrics) : IScrapedMetrics
{
    private readonly Gauge _jobs = metrics.Factory.CreateGauge("cairn_jobs", "Jobs in each state (scheduled, enqueued, processing, succeeded, failed, cancelled).", new GaugeConfiguration { LabelNames = ["state"] });

    /// <summary>Counts the jobs by state.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        foreach (var (state, count) in await jobs.CountAsync(cancellationToken).ConfigureAwait(false))
        {
            _jobs.WithLabels(state).Set(count);
        }
    }
}
