using Cairn.Contracts;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

/// <summary>
/// Runs jobs: up to <see cref="JobWorkerOptions.Concurrency"/> at once, claimed from an <see cref="IJobSource"/>, each with
/// heartbeats while it runs (so a long job keeps its claim), stopped when it is cancelled, loses its claim, or times out,
/// and its outcome reported with the attempt's fencing token.
/// </summary>
public sealed partial class JobWorker : IAsyncDisposable
{
    private readonly IJobSource _source;
    private readonly JobWorkerOptions _options;
    private readonly ILogger _logger;

    public JobWorker(IJobSource source, JobWorkerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        _source = source;
        _options = options;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>The settings.</summary>
    public JobWorkerOptions Options => _options;

    /// <summary>How many attempts run now.</summary>
    public int Running => throw new NotImplementedException();

    /// <summary>Starts claiming and running jobs.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stops claiming; running attempts are stopped (their handlers' tokens cancelled, processes killed) and
    /// reported as failed with reason "worker stopped" so they are retried at once, not after their claim expires.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
