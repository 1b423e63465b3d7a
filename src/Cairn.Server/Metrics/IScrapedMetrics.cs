namespace Cairn.Server.Metrics;

/// <summary>
/// Figures read when <c>/metrics</c> is scraped rather than counted as things happen (keys in the store, jobs by state):
/// <see cref="ServerMetrics"/> calls <see cref="SampleAsync"/> before a scrape, at most about once a second.
/// </summary>
internal interface IScrapedMetrics
{
    /// <summary>Reads the figures and sets this source's gauges. A failure leaves the gauges as they were (it is logged).</summary>
    Task SampleAsync(CancellationToken cancellationToken);
}
