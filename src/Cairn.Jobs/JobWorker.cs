using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

/// <summary>
/// Runs jobs: up to <see cref="JobWorkerOptions.Concurrency"/> at once, claimed from an <see cref="IJobSource"/>, each with
/// heartbeats while it runs (so a long job keeps its claim), stopped when it is cancelled, loses its claim, or times out,
/// and its outcome reported with the attempt's fencing token.
/// </summary>
public sealed partial class JobWorker : IAsyncDisposable
{
    /// <summary>The longest wait between two claim calls after errors (they back off from a second, doubling).</summary>
    private static readonly TimeSpan MaxErrorBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Longer timeouts than this are no timeout (the timers take at most ~49 days).</summary>
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(40);

    private readonly IJobSource _source;
    private readonly JobWorkerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly object _gate = new();
    private int _running;
    private bool _started;
    private bool _disposed;

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
    public int Running => Volatile.Read(ref _running);

    /// <summary>Starts claiming and running jobs.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Concurrency < 1)
        {
            throw new InvalidArgumentException($"concurrency: {_options.Concurrency} is not a positive number.");
        }

        if (_options.Handlers.Count == 0)
        {
            throw new InvalidArgumentException("handlers: a worker needs at least one handler to claim jobs for.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return Task.CompletedTask;
            }

            _started = true;
            for (var i = 0; i < _options.Concurrency; i++)
            {
                _loops.Add(Task.Run(() => ClaimLoopAsync(_stop.Token), CancellationToken.None));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops claiming; running attempts are stopped (their handlers' tokens cancelled, processes killed) and
    /// reported as failed with reason "worker stopped" so they are retried at once, not after their claim expires.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loops = [.. _loops];
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ClaimLoopAsync(CancellationToken stop)
    {
        var request = new JobClaimRequestDto
        {
            Worker = _options.WorkerId,
            Node = _options.Node,
            Queues = [.. _options.Queues],
            Types = [.. _options.Handlers.Select(h => h.Type).Distinct(StringComparer.Ordinal)],
            WaitSeconds = _options.PollWait.TotalSeconds,
        };
        var backoff = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            JobClaim? claim;
            try
            {
                claim = await _source.ClaimAsync(request, _options.PollWait, stop).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The loop never dies: a store that is down (or a bug) is logged and the claim tried again, later and
                // later, until it works or the worker stops.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxErrorBackoff.Ticks));
                if (IsTransient(e))
                {
                    LogClaimRetry(_logger, e, _options.WorkerId, backoff.TotalSeconds);
                }
                else
                {
                    LogClaimError(_logger, e, _options.WorkerId, backoff.TotalSeconds);
                }

                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            if (claim is not null)
            {
                await RunAttemptAsync(claim, stop).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is CairnException { IsTransient: true } or HttpRequestException or IOException or TimeoutException;

    /// <summary>The handler for a type: the exact registration, else the longest <c>prefix*</c> pattern it matches.</summary>
    internal static IJobHandler? FindHandler(IReadOnlyList<JobHandlerRegistration> handlers, string type)
    {
        foreach (var registration in handlers)
        {
            if (string.Equals(registration.Type, type, StringComparison.Ordinal))
            {
                return registration.Handler;
            }
        }

        JobHandlerRegistration? best = null;
        foreach (var registration in handlers)
        {
            if (registration.Type.EndsWith('*') && type.StartsWith(registration.Type[..^1], StringComparison.Ordinal) &&
                (best is null || registration.Type.Length > best.Type.Length))
            {
                best = registration;
            }
        }

        return best?.Handler;
    }

    /// <summary>The first line of an error, at most 1 KiB of UTF-8, for <see cref="JobAttemptDto.Error"/>.</summary>
    internal static string OneLine(Exception e)
    {
        var message = e.Message;
        if (string.IsNullOrWhiteSpace(message))
        {
            return e.GetType().Name;
        }

        var line = message.Trim().Split('\n', 2)[0].TrimEnd('\r');
        if (Encoding.UTF8.GetByteCount(line) <= 1024)
        {
            return line;
        }

        var end = Math.Min(line.Length, 1020);
        while (Encoding.UTF8.GetByteCount(line.AsSpan(0, end)) > 1020)
        {
            end--;
        }

        if (end > 0 && char.IsHighSurrogate(line[end - 1]))
        {
            end--;
        }

        return line[..end] + "…";
    }

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker}: claiming failed; trying again in {Seconds} s.")]
    private static partial void LogClaimRetry(ILogger logger, Exception e, string worker, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {Worker}: claiming failed unexpectedly; trying again in {Seconds} s.")]
    private static partial void LogClaimError(ILogger logger, Exception e, string worker, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} attempt {Attempt}: heartbeat failed; trying again at the next beat.")]
    private static partial void LogHeartbeatError(ILogger logger, Exception e, long job, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} attempt {Attempt} is no longer current (cancelled or its claim expired); stopping it.")]
    private static partial void LogFenced(ILogger logger, long job, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} attempt {Attempt}: the store refused the outcome {Outcome} (the attempt is stale).")]
    private static partial void LogStale(ILogger logger, long job, int attempt, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} attempt {Attempt}: reporting {Outcome} failed; its claim will expire and the job be retried.")]
    private static partial void LogReportError(ILogger logger, Exception e, long job, int attempt, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} attempt {Attempt}: watching for fencing failed; heartbeats still detect it.")]
    private static partial void LogWatchError(ILogger logger, Exception e, long job, int attempt);
}
