using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// The life of a coordination handle (a lock, a leadership, a pool membership, a barrier entry, a delivery): the session
/// it lives under (owned or the caller's), the <see cref="Lost"/> signal that fires when that session ends or the
/// handle's key goes behind its back, the background work that watches for it, and the release on dispose.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The sources' tokens (Lost) are handed out and stay readable after the handle ends; they hold no timer or unmanaged resource.")]
internal sealed class HandleLife
{
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _onSessionLost;
    private readonly List<Task> _background = [];
    private int _disposed;

    public HandleLife(CairnSession session, bool ownsSession)
    {
        Session = session;
        OwnsSession = ownsSession;
        _onSessionLost = session.Lost.Register(static state => ((HandleLife)state!).MarkLost(), this);

        // A caller's session disposed under the handle takes the handle's keys with it: the handle is lost too.
        _ = session.Closed.ContinueWith(static (_, state) => ((HandleLife)state!).MarkLost(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public CairnSession Session { get; }

    public bool OwnsSession { get; }

    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    public Task Closed => _closed.Task;

    /// <summary>Fires when the handle is disposed or lost: ends its background work.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Runs <paramref name="work"/> in the background until <see cref="Stopping"/>; when it returns (rather than
    /// being stopped) the handle is lost.</summary>
    public void RunUntilLost(Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(Stopping).ConfigureAwait(false);
                MarkLost();
            }
            catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
            {
                // Disposed or lost already.
            }
        });
        lock (_background)
        {
            _background.Add(task);
        }
    }

    /// <summary>Runs <paramref name="work"/> in the background until <see cref="Stopping"/>, without ending the handle.</summary>
    public void Run(Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(Stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
            {
            }
        });
        lock (_background)
        {
            _background.Add(task);
        }
    }

    /// <summary>The session ended, or the handle's key went: fire <see cref="Lost"/> (once), and stop the background work.
    /// Nothing after a dispose has begun (a release is not a loss).</summary>
    public void MarkLost()
    {
        if (IsDisposed || _lost.IsCancellationRequested)
        {
            return;
        }

        try
        {
            _lost.Cancel();
        }
        catch (AggregateException)
        {
            // A caller's callback on Lost threw; the signal has gone out to every other one all the same.
        }

        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
        }

        _closed.TrySetResult();
    }

    /// <summary>Stops the background work, releases the handle's hold (<paramref name="release"/>, unless it was lost;
    /// errors saying it is gone already are ignored), and disposes an owned session. Idempotent.</summary>
    public async ValueTask DisposeAsync(Func<Task> release)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] background;
        lock (_background)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            if (!IsLost && !Session.IsLost)
            {
                await release().ConfigureAwait(false);
            }
        }
        catch (CairnException ex) when (ex is NotFoundException or LeaseNotFoundException or ConflictException or UnavailableException)
        {
            // Gone already (its session ended, or another call released it), or the server is away: the hold goes with
            // the session's lease either way.
        }
        finally
        {
            await _onSessionLost.DisposeAsync().ConfigureAwait(false);
            if (OwnsSession)
            {
                await Session.DisposeAsync().ConfigureAwait(false);
            }

            _closed.TrySetResult();
        }
    }
}
