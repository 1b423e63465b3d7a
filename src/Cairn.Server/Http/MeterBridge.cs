using System.Diagnostics.Metrics;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Cairn.Server.Http;

/// <summary>
/// Forwards the measurements of Cairn's own meters (<c>Cairn.*</c>, e.g. the SQLite writer's batch sizes) to
/// prometheus-net so they appear on /metrics. prometheus-net's own meter adapter did not pick up these
/// instruments in this host (Kestrel's appeared, ours never did), so the bridge is explicit and covers exactly
/// the instrument kinds Cairn uses: histograms of double, counters of long, and up-down counters of long (gauges: runs
/// going on, calls waiting).
/// </summary>
internal sealed class MeterBridge : IHostedService, IDisposable
{
    private readonly MeterListener _listener = new();

    public MeterBridge()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith("Cairn.", StringComparison.Ordinal))
            {
                return;
            }

            object? collector = instrument switch
            {
                Histogram<double> => Metrics.CreateHistogram(instrument.Name, instrument.Description ?? instrument.Name, new HistogramConfiguration
                {
                    Buckets = instrument.Unit == "s" ? Histogram.ExponentialBuckets(0.0001, 2, 16) : Histogram.ExponentialBuckets(1, 2, 12),
                }),
                Counter<long> => Metrics.CreateCounter(instrument.Name, instrument.Description ?? instrument.Name),
                UpDownCounter<long> => Metrics.CreateGauge(instrument.Name, instrument.Description ?? instrument.Name),
                _ => null,
            };
            if (collector is not null)
            {
                listener.EnableMeasurementEvents(instrument, collector);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, state) => ((Histogram)state!).Observe(value));
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) =>
        {
            if (state is Gauge gauge)
            {
                gauge.Inc(value);
            }
            else
            {
                ((Counter)state!).Inc(value);
            }
        });
        _listener.Start();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
