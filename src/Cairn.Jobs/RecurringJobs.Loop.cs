using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Jobs;

public sealed partial class RecurringJobs
{
    /// <summary>The first wait after a failed pass (by the real clock: it is about the store recovering, not about the
    /// schedule); each next failure doubles it up to <see cref="MaxFailureBackoff"/>.</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan MaxFailureBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Fires due occurrences until cancelled (then it returns), sleeping until the next one is due or a
    /// definition changes.</summary>
    /// <remarks>
    /// <para>Every node of a cluster may run it; each occurrence still fires once (see the class remarks). The sleep is
    /// on <see cref="JobsOptions.Time"/> (so a fake clock drives it in tests: it ends when the clock reaches the earliest
    /// next occurrence) and is cut short by any change under <c>rec/</c> (a watch), so a new or changed definition is
    /// scheduled at once.</para>
    /// <para>A pass that fails (the store unavailable, a definition whose job is refused) is logged, and the loop tries
    /// again after a backoff by the real clock (0.5 s doubling to 30 s) or at the next change.</para>
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var changes = new ChangeSignal();
        var watching = WatchAsync(changes, stop.Token);
        try
        {
            var failures = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var changed = changes.Next;
                DateTimeOffset? earliest = null;
                var failed = false;
                try
                {
                    var pass = await FirePassAsync(cancellationToken).ConfigureAwait(false);
                    earliest = pass.Earliest;
                    failed = pass.Failure is not null;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogPassFailed(e);
                    failed = true;
                }

                failures = failed ? failures + 1 : 0;
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Task sleep;
                if (failed)
                {
                    var backoff = TimeSpan.FromTicks(Math.Min(MaxFailureBackoff.Ticks, FailureBackoff.Ticks << Math.Min(failures - 1, 16)));
                    sleep = Task.Delay(backoff, TimeProvider.System, wake.Token);
                }
                else if (earliest is { } due)
                {
                    var wait = due - Options.Time.GetUtcNow();
                    if (wait <= TimeSpan.Zero)
                    {
                        continue;
                    }

                    sleep = Task.Delay(wait, Options.Time, wake.Token);

                    // The clock may have been moved past `due` between reading it and starting the timer (whose due time
                    // counts from the clock's time when it starts): look once more, now that the timer is armed.
                    if (Options.Time.GetUtcNow() >= due)
                    {
                        continue;
                    }
                }
                else
                {
                    sleep = Task.Delay(Timeout.InfiniteTimeSpan, wake.Token);
                }

                await Task.WhenAny(changed, sleep).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: whatever the store threw on the way out (a cancelled request) is not a failure.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
        }
    }

    /// <summary>Signals every change under <c>rec/</c> until cancelled, from before the loop's first pass on (so no
    /// change is missed); a watch that breaks is started again (and signals, as changes may have been missed).</summary>
    private async Task WatchAsync(ChangeSignal changes, CancellationToken cancellationToken)
    {
        var range = KeyRange.Prefix(JobKeys.RecurringPrefix);
        var from = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (from == 0)
                {
                    from = (await Store.RangeAsync(new RangeRequest(range) { CountOnly = true }, cancellationToken).ConfigureAwait(false)).Revision + 1;
                    changes.Set();
                }

                await foreach (var response in Store.WatchAsync(new WatchRequest(range) { StartRevision = from }, cancellationToken).ConfigureAwait(false))
                {
                    from = response.Revision + 1;
                    if (!response.IsProgressNotify)
                    {
                        changes.Set();
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CompactedException)
            {
                from = 0;
            }
            catch (Exception e)
            {
                LogWatchFailed(e);
                from = 0;
                try
                {
                    await Task.Delay(FailureBackoff, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring jobs: a pass over the definitions failed; trying again")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recurring jobs: the watch on the definitions failed; starting it again")]
    private partial void LogWatchFailed(Exception exception);

    /// <summary>A change notification that cannot be lost: take <see cref="Next"/> before looking, and it completes at
    /// the first change after that.</summary>
    private sealed class ChangeSignal
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Set() =>
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
