using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Cairn.Server.Metrics;

/// <summary>
/// This server's <c>/metrics</c>: one prometheus-net registry of its own, holding the process and .NET runtime families
/// (prometheus-net's default collectors), the HTTP request families, Cairn's own meters (<see cref="MeterBridge"/>) and
/// the families of the keyspace and the modules, some read at scrape time (<see cref="IScrapedMetrics"/>).
/// </summary>
/// <remarks>
/// A registry per server rather than prometheus-net's static default one: tests run many servers in one process, and a
/// gauge read from one server's store must not be served by another (nor read a store that was closed). The default
/// registry is kept from starting its meter and event-counter adapters, which exported every meter in the process
/// (QUIC internals, a second and third set of runtime figures) and Cairn's meters a second time.
/// </remarks>
internal sealed partial class ServerMetrics : IDisposable
{
    /// <summary>Scraped figures are read again only when older than this: a scrape storm must not hammer the store.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    // A store that does not answer must not hang a scrape: the figures read last are served instead.
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(5);

    private readonly List<IScrapedMetrics> _sources = [];
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private readonly MeterBridge _bridge;
    private readonly ILogger<ServerMetrics> _logger;
    private long _sampledAt;

    static ServerMetrics() => Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
    {
        SuppressMeters = true,
        SuppressEventCounters = true,
        SuppressDebugMetrics = true,
        SuppressProcessMetrics = true,
    });

    /// <summary>Creates the registry with the process and runtime families and starts forwarding Cairn's meters.</summary>
    public ServerMetrics(ILogger<ServerMetrics> logger)
    {
        _logger = logger;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        DotNetStats.Register(Registry);
        _bridge = new MeterBridge(Factory);
        Registry.AddBeforeCollectCallback(SampleAsync);
    }

    /// <summary>What <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Creates families in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    /// <summary>Adds a source of figures read at scrape time.</summary>
    public void Add(IScrapedMetrics source)
    {
        lock (_sources)
        {
            _sources.Add(source);
        }
    }

    public void Dispose()
    {
        _bridge.Dispose();
        _sampling.Dispose();
    }

    // The wall clock of the machine, not the server's TimeProvider: this limits load, and a test's fake clock would
    // otherwise freeze the figures.
    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        if (Fresh())
        {
            return;
        }

        await _sampling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Concurrent scrapes wait for one sample and share it.
            if (Fresh())
            {
                return;
            }

            IScrapedMetrics[] sources;
            lock (_sources)
            {
                sources = [.. _sources];
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SampleTimeout);
            foreach (var source in sources)
            {
                try
                {
                    await source.SampleAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogSampleFailed(_logger, source.GetType().Name, ex.Message);
                }
            }

            Volatile.Write(ref _sampledAt, Stopwatch.GetTimestamp());
        }
        finally
        {
            _sampling.Release();
        }
    }

    private bool Fresh()
    {
        var at = Volatile.Read(ref _sampledAt);
        return at != 0 && Stopwatch.GetElapsedTime(at) < SampleInterval;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the figures of {Source} for /metrics (the last ones are served): {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string source, string reason);
}
