using System.Threading.RateLimiting;

namespace Cairn.Core.Concurrency;

/// <summary>
/// Admission for work that is expensive per call (a process started per extension run, a job): at most
/// <see cref="WorkGateOptions.MaxConcurrent"/> runs at once, at most <see cref="WorkGateOptions.MaxQueued"/> callers
/// waiting for a turn, first come first served, and past that an immediate refusal. A caller waits at most
/// <see cref="WorkGateOptions.QueueTimeout"/>; a caller whose token is cancelled while waiting (its client went away)
/// leaves the queue and takes no turn. A refusal is an <see cref="UnavailableException"/> carrying
/// <see cref="UnavailableException.RetryAfter"/>.
/// </summary>
/// <remarks>
/// The queue is .NET's <see cref="ConcurrencyLimiter"/> (oldest first). Thread-safe: any number of callers may enter at
/// once; each <see cref="WorkPermit"/> is released once, by whoever holds it. <see cref="Dispose"/> refuses everyone
/// still waiting and every later caller.
/// </remarks>
public sealed class WorkGate : IDisposable
{
    private readonly WorkGateOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrencyLimiter _limiter;
    private int _running;
    private int _queued;
    private int _closed;

    /// <summary>A gate with <paramref name="options"/>; <paramref name="time"/> times the wait in the queue (default: the system clock).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit or the queue timeout is not positive.</exception>
    public WorkGate(WorkGateOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrent, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueued, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.QueueTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrent,
            QueueLimit = options.MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The gate's settings.</summary>
    public WorkGateOptions Options => _options;

    /// <summary>Runs holding a permit now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Callers waiting for a turn now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Waits for a turn and returns it; dispose the permit when the run ends.</summary>
    /// <exception cref="UnavailableException">The queue is full, the wait took longer than the queue timeout, or the
    /// gate is closed; nothing was run.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the caller has
    /// left the queue.</exception>
    public async ValueTask<WorkPermit> EnterAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RateLimitLease lease;
        try
        {
            lease = _limiter.AttemptAcquire();
        }
        catch (ObjectDisposedException)
        {
            throw Closed();
        }

        if (lease.IsAcquired)
        {
            return Admit(lease);
        }

        lease.Dispose();
        using var timeout = new CancellationTokenSource(_options.QueueTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ValueTask<RateLimitLease> pending;
        try
        {
            pending = _limiter.AcquireAsync(1, linked.Token);
        }
        catch (ObjectDisposedException)
        {
            throw Closed();
        }

        // Only a caller that really waits is counted as queued: a full queue answers at once.
        var waiting = !pending.IsCompleted;
        if (waiting)
        {
            Interlocked.Increment(ref _queued);
            _options.Instruments?.Queued.Add(1);
        }

        try
        {
            lease = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw Refuse($"The {_options.Name} queue is full: no turn came within {Durations.Format(_options.QueueTimeout)}{Hint("QueueTimeout")}; retry later.");
        }
        finally
        {
            if (waiting)
            {
                Interlocked.Decrement(ref _queued);
                _options.Instruments?.Queued.Add(-1);
            }
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            if (Volatile.Read(ref _closed) != 0)
            {
                throw Closed();
            }

            throw Refuse($"The {_options.Name} queue is full: {_options.MaxConcurrent} running and {_options.MaxQueued} waiting{Hint("MaxConcurrent", "MaxQueued")}; retry later.");
        }

        return Admit(lease);
    }

    /// <summary>Refuses everyone waiting and every later caller.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _closed, 1);
        _limiter.Dispose();
    }

    internal void Released()
    {
        Interlocked.Decrement(ref _running);
        _options.Instruments?.Running.Add(-1);
    }

    private WorkPermit Admit(RateLimitLease lease)
    {
        Interlocked.Increment(ref _running);
        _options.Instruments?.Running.Add(1);
        return new WorkPermit(this, lease);
    }

    private UnavailableException Refuse(string message)
    {
        _options.Instruments?.Refused.Add(1);
        return new UnavailableException(message) { RetryAfter = _options.RetryAfter };
    }

    private UnavailableException Closed() =>
        new($"The {_options.Name} queue is closed: the server is stopping.");

    private string Hint(params string[] settings) =>
        _options.SettingsSection is { } section ? $" ({string.Join(", ", settings.Select(s => section + ":" + s))})" : "";
}
