using System.Text.Json;
using Cairn.Contracts;
using Cairn.Coordination;
using Cairn.Core;
using Cairn.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Jobs;

/// <summary>The in-server worker: runs <c>Jobs:Workers</c> jobs at once from this node's queues, straight on the store.
/// Stopping the server stops its attempts and reports them so they are retried at once elsewhere.</summary>
internal sealed class JobWorkerService(JobStore store, JobWorkerOptions options, ILogger<JobWorker> logger) : IHostedService, IAsyncDisposable
{
    private JobWorker? _worker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _worker = new JobWorker(store, options, logger);
        await _worker.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    /// <summary>Stops the worker, if a start failed half-way and the host never stopped it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _worker, null) is { } worker)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The built-in <c>cairn.noop</c> job type: succeeds at once with its arguments as its result. For checks,
/// tests and the benchmark (the cost of the job system itself, with no work inside).</summary>
internal sealed class NoopJobHandler : IJobHandler
{
    public const string Type = "cairn.noop";

    public Task<JsonElement?> ExecuteAsync(JobContext context, CancellationToken cancellationToken) =>
        Task.FromResult<JsonElement?>(context.Args);
}

/// <summary>Recurring schedules on every node: each occurrence is fired once in all by its transaction, so every node
/// may try (and the schedules keep firing while any node is up). Restarted after a failure.</summary>
internal sealed partial class RecurringJobsService(RecurringJobs recurring, TimeProvider time, ILogger<RecurringJobsService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await recurring.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                await JobsLoops.PauseAsync(time, TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs: the recurring scheduler failed; it restarts in a second")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The job system's upkeep on every node (each step is safe when many nodes do it at once): due scheduled jobs are
/// enqueued (sleeping until the next is due, at most a second), and lost claims are recovered every third of
/// <see cref="JobsOptions.ClaimTtl"/>.
/// </summary>
internal sealed partial class JobMaintenanceService(JobStore store, PulzarDataFiles data, ILogger<JobMaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = store.Options.Time;
        var recoverEvery = store.Options.ClaimTtl / 3;
        var nextRecovery = time.GetUtcNow();
        var nextSweep = time.GetUtcNow() + PulzarDataFiles.SweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxSleep;
            try
            {
                await store.PromoteDueAsync(stoppingToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                if (now >= nextRecovery)
                {
                    await store.RecoverExpiredAsync(stoppingToken).ConfigureAwait(false);
                    nextRecovery = now + recoverEvery;
                }

                if (now >= nextSweep)
                {
                    data.Sweep(now);
                    nextSweep = now + PulzarDataFiles.SweepInterval;
                }

                if (await store.NextDueAsync(stoppingToken).ConfigureAwait(false) is { } due)
                {
                    sleep = Min(sleep, due - time.GetUtcNow());
                }

                sleep = Min(sleep, nextRecovery - time.GetUtcNow());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }

            if (sleep <= TimeSpan.Zero)
            {
                // Something fell due while this pass ran: go again after a breath (never a busy loop).
                await JobsLoops.PauseAsync(TimeProvider.System, TimeSpan.FromMilliseconds(10), stoppingToken).ConfigureAwait(false);
                continue;
            }

            await JobsLoops.PauseAsync(time, sleep, stoppingToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs: maintenance (promoting due jobs, recovering lost claims) failed; it retries in a second")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Folds finished jobs (and the recurring jobs' old firing markers) away after <c>Jobs:Retention</c>, every
/// few minutes: leader-only work in a cluster (one node is enough), or a hosted service on a node without one.</summary>
internal sealed partial class JobFoldService(JobStore store, RecurringJobs recurring, ILogger<JobFoldService> logger) : BackgroundService, ILeaderService
{
    /// <summary>How often it folds.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    public string Name => "jobs-fold";

    public Task RunAsync(CancellationToken cancellationToken) => ExecuteAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = store.Options.Time;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var jobs = await store.FoldAsync(stoppingToken).ConfigureAwait(false);
                var markers = await recurring.FoldAsync(stoppingToken).ConfigureAwait(false);
                if (jobs + markers > 0)
                {
                    LogFolded(logger, jobs, markers);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }

            await JobsLoops.PauseAsync(time, Interval, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jobs: folded {Jobs} finished jobs and {Markers} recurring firing markers past retention")]
    private static partial void LogFolded(ILogger logger, int jobs, long markers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs: folding finished jobs failed; it retries at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>What the loops share.</summary>
internal static class JobsLoops
{
    /// <summary>Waits <paramref name="delay"/> on the server's clock (at least a millisecond); returns early, quietly,
    /// when the service stops.</summary>
    public static async Task PauseAsync(TimeProvider time, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
