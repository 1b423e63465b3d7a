using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>Keeping this node's copy current: one read, then a watch from the revision after it.</summary>
internal sealed partial class AccessControl
{
    private readonly Lock _installing = new();
    private TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The newest revision whose copy is in and whose principals have been ended: what WaitForRevisionAsync waits for.
    // Not the copy's revision, which is visible before its principals are ended.
    private long _appliedRevision = -1;
    private Task? _following;

    /// <summary>Waits until the settings of <paramref name="revision"/> (or later) are applied here.</summary>
    public async Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task applied;
            lock (_installing)
            {
                if (_appliedRevision >= revision)
                {
                    return;
                }

                applied = _applied.Task;
            }

            await applied.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<AuthSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var read = await _store.RangeAsync(new RangeRequest(AuthRange), cancellationToken).ConfigureAwait(false);
        return AuthSnapshot.Load(read.Revision, read.Kvs);
    }

    // Swaps the copy in, then ends the principals the change concerns: a principal made from the old copy either holds a
    // source fired here, or was made after the swap and re-checked against the new copy (see Authenticate).
    private void Install(AuthSnapshot snapshot, AuthSnapshot.Changes changes)
    {
        TaskCompletionSource applied;
        lock (_installing)
        {
            if (snapshot.Revision < _snapshot.Revision && _snapshot.Loaded)
            {
                return;
            }

            _snapshot = snapshot;
        }

        _revocations.Fire(changes);
        lock (_installing)
        {
            if (snapshot.Loaded)
            {
                _appliedRevision = Math.Max(_appliedRevision, snapshot.Revision);
            }

            applied = _applied;
            _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        applied.TrySetResult();
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var request = new WatchRequest(AuthRange) { StartRevision = _snapshot.Revision + 1 };
                await foreach (var response in _store.WatchAsync(request, cancellationToken).ConfigureAwait(false))
                {
                    var current = _snapshot;
                    if (response.IsProgressNotify)
                    {
                        if (response.Revision > current.Revision)
                        {
                            Install(current.With(response.Revision, [], loaded: true, out var none), none);
                        }
                    }
                    else
                    {
                        Install(current.With(response.Revision, response.Events, loaded: true, out var changes), changes);
                    }

                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CompactedException ex)
            {
                // The history after our revision is gone: read everything again.
                LogReloading(_logger, _snapshot.Revision, ex.CompactRevision);
                await ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogWatchFailed(_logger, _snapshot.Revision, ex.Message);

                // Pacing the retries is not a matter of the server's clock (a fake one in tests would never let it go on).
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 << Math.Min(failures, 6))), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                var loaded = await LoadAsync(cancellationToken).ConfigureAwait(false);
                Install(loaded, AuthSnapshot.Diff(_snapshot, loaded));
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogWatchFailed(_logger, _snapshot.Revision, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 << Math.Min(failures, 6))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the auth settings failed at revision {Revision}, trying again: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, long revision, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The auth settings' history after revision {Revision} was compacted (to {CompactRevision}): reading them again")]
    private static partial void LogReloading(ILogger logger, long revision, long compactRevision);
}
