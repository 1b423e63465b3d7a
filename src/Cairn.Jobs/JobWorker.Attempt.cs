using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Jobs;

public sealed partial class JobWorker
{
    /// <summary>Runs one claimed attempt to its end and reports it (unless it was fenced: then it is no longer ours).</summary>
    private async Task RunAttemptAsync(JobClaim claim, CancellationToken stop)
    {
        Interlocked.Increment(ref _running);
        try
        {
            var timeout = TimeSpan.FromSeconds(Math.Max(0, claim.Job.TimeoutSeconds));
            using var timedOut = timeout > TimeSpan.Zero && timeout <= LongestTimeout
                ? new CancellationTokenSource(timeout, _options.Time)
                : new CancellationTokenSource();
            using var fenced = new CancellationTokenSource();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, timedOut.Token, fenced.Token);
            using var watchers = new CancellationTokenSource();
            var heartbeats = HeartbeatAsync(claim, fenced, watchers.Token);
            var watch = WatchFencingAsync(claim, fenced, watchers.Token);

            var log = new AttemptLog(_source, claim);
            var context = new JobContext(claim, log.AppendAsync, (name, content, ct) => StoreFileAsync(claim, name, content, ct));
            JsonElement? result = null;
            Exception? error = null;
            try
            {
                var handler = FindHandler(_options.Handlers, claim.Job.Type)
                    ?? throw new InvalidOperationException($"this worker has no handler for type '{claim.Job.Type}'.");
                result = await handler.ExecuteAsync(context, attempt.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }

            await watchers.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(heartbeats, watch).ConfigureAwait(false);
            await log.FlushAsync().ConfigureAwait(false);

            JobCompletionDto completion;
            if (fenced.IsCancellationRequested)
            {
                // Cancelled by a user, or the claim expired and the job moved on: the outcome is not ours to report.
                LogFenced(_logger, claim.JobId, claim.Attempt);
                return;
            }

            if (error is null)
            {
                completion = new JobCompletionDto { Outcome = JobOutcomes.Succeeded, Result = result, Files = context.Files.Count > 0 ? [.. context.Files] : null };
            }
            else if (timedOut.IsCancellationRequested)
            {
                completion = new JobCompletionDto { Outcome = JobOutcomes.TimedOut, Error = $"timed out after {Seconds(claim.Job.TimeoutSeconds)} s" };
            }
            else if (stop.IsCancellationRequested)
            {
                completion = new JobCompletionDto { Outcome = JobOutcomes.Lost, Error = "worker stopped" };
            }
            else
            {
                completion = new JobCompletionDto { Outcome = JobOutcomes.Failed, Error = OneLine(error), ExitCode = (error as ScriptFailedException)?.ExitCode };
            }

            completion.Token = claim.Token;
            try
            {
                await _source.CompleteAsync(claim, completion, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ConflictException)
            {
                LogStale(_logger, claim.JobId, claim.Attempt, completion.Outcome);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                LogReportError(_logger, e, claim.JobId, claim.Attempt, completion.Outcome);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Extends the claim every third of its TTL (on the worker's clock) while the attempt runs; a refused
    /// heartbeat fences the attempt.</summary>
    private async Task HeartbeatAsync(JobClaim claim, CancellationTokenSource fenced, CancellationToken cancellationToken)
    {
        var period = claim.LeaseTtl / 3;
        if (period <= TimeSpan.Zero)
        {
            period = TimeSpan.FromSeconds(1);
        }

        using var timer = new PeriodicTimer(period, _options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (!await _source.HeartbeatAsync(claim, cancellationToken).ConfigureAwait(false))
                    {
                        LogFenced(_logger, claim.JobId, claim.Attempt);
                        await fenced.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
                catch (ConflictException)
                {
                    await fenced.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store may be back before the claim expires; if it is not, the next beat is refused.
                    LogHeartbeatError(_logger, e, claim.JobId, claim.Attempt);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Fences the attempt the moment the store says it is no longer current (faster than the next heartbeat).</summary>
    private async Task WatchFencingAsync(JobClaim claim, CancellationTokenSource fenced, CancellationToken cancellationToken)
    {
        try
        {
            await _source.WhenFencedAsync(claim, cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                await fenced.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWatchError(_logger, e, claim.JobId, claim.Attempt);
        }
    }

    private Task<string> StoreFileAsync(JobClaim claim, string name, Stream content, CancellationToken cancellationToken) =>
        _options.StoreFile is { } store
            ? store(claim, name, content, cancellationToken)
            : throw new InvalidOperationException(
                $"the job returned a file ('{name}') but this worker cannot store files (no file store is configured).");

    /// <summary>An attempt's log writes, one after another in the order they were made.</summary>
    private sealed class AttemptLog(IJobSource source, JobClaim claim)
    {
        private readonly object _gate = new();
        private Task _tail = Task.CompletedTask;

        public Task AppendAsync(string text, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                var write = AfterAsync(_tail, text, cancellationToken);
                _tail = write;
                return write;
            }
        }

        /// <summary>Waits for the writes made so far (their errors went to their callers).</summary>
        public async Task FlushAsync()
        {
            Task tail;
            lock (_gate)
            {
                tail = _tail;
            }

            try
            {
                await tail.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
            }
        }

        private async Task AfterAsync(Task previous, string text, CancellationToken cancellationToken)
        {
            try
            {
                await previous.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The earlier write's caller has its error; this one is tried on its own.
            }

            await source.AppendLogAsync(claim, text, cancellationToken).ConfigureAwait(false);
        }
    }
}
