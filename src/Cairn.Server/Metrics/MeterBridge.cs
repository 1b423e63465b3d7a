using System.Diagnostics.Metrics;
using Prometheus;

namespace Cairn.Server.Metrics;

/// <summary>
/// Forwards the measurements of Cairn's own meters (<c>Cairn.*</c>: the SQLite writer, the extension runner, the journal,
/// the blob store) to a server's prometheus-net registry. prometheus-net's own meter adapter is off
/// (<see cref="ServerMetrics"/>): it exported every meter of the process, and Cairn's twice. The bridge covers the
/// instrument kinds Cairn uses: histograms of double, counters of long (exported with <c>_total</c>, as Prometheus
/// names counters), and up-down counters of long (gauges: runs going on, calls waiting).
/// </summary>
/// <remarks>Cairn's meters are static, so each server in a process sees the measurements of all of them; a process
/// normally runs one server.</remarks>
internal sealed class MeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();

    /// <summary>Starts listening; instruments are created in <paramref name="factory"/> as they are published.</summary>
    public MeterBridge(IMetricFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith("Cairn.", StringComparison.Ordinal))
            {
                return;
            }

            var help = instrument.Description ?? instrument.Name;
            object? collector = instrument switch
            {
                Histogram<double> => factory.CreateHistogram(instrument.Name, help, new HistogramConfiguration
                {
                    Buckets = instrument.Unit == "s" ? SecondsBuckets : Histogram.ExponentialBuckets(1, 2, 12),
                }),
                Counter<long> => factory.CreateCounter(CounterName(instrument.Name), help),
                UpDownCounter<long> => factory.CreateGauge(instrument.Name, help),
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

    /// <summary>Buckets of the duration histograms: 0.1 ms to about 3 s, doubling.</summary>
    public static double[] SecondsBuckets { get; } = Histogram.ExponentialBuckets(0.0001, 2, 16);

    /// <summary>A counter's Prometheus name ends in <c>_total</c>.</summary>
    public static string CounterName(string name) => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";

    public void Dispose() => _listener.Dispose();
}
