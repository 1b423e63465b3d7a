using Cairn.Core;

namespace Cairn.Coordination;

/// <summary>
/// A session on the keyspace for the recipes (etcd's <c>concurrency.Session</c>): a lease kept alive every TTL/3 until
/// disposed (then revoked, so that everything held under it goes at once) or lost (the store says the lease is gone, or
/// no renewal succeeded for a whole TTL), which fires <see cref="Lost"/>.
/// </summary>
/// <remarks>
/// <para>Once lost, a session stays lost: the store may already have deleted the keys held under it, so whatever they
/// guarded (a lock, a leadership) must be given up, and a new session started.</para>
/// <para>Concurrency: safe from any thread; <see cref="DisposeAsync"/> is idempotent.</para>
/// </remarks>
public sealed class KeyspaceSession : IAsyncDisposable
{
    // A revoke on dispose is best effort: an unreachable store lets the lease expire by itself.
    private static readonly TimeSpan RevokeTimeout = TimeSpan.FromSeconds(5);

    private readonly IKeyspace _store;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task _loop = Task.CompletedTask;
    private Task? _disposing;

    private KeyspaceSession(IKeyspace store, long leaseId, long ttlSeconds, TimeProvider time)
    {
        _store = store;
        _time = time;
        LeaseId = leaseId;
        TtlSeconds = ttlSeconds;
    }

    /// <summary>The lease.</summary>
    public long LeaseId { get; }

    /// <summary>Its TTL in seconds.</summary>
    public long TtlSeconds { get; }

    /// <summary>Fires when the lease is lost (never on a clean dispose).</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>True once lost.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> and starts keeping it alive by <paramref name="time"/>.</summary>
    /// <exception cref="InvalidArgumentException">The TTL is out of range.</exception>
    public static async Task<KeyspaceSession> StartAsync(IKeyspace store, long ttlSeconds, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Leases.ValidateTtl(ttlSeconds);
        var clock = time ?? TimeProvider.System;
        var renewedAt = clock.GetTimestamp();
        var grant = await store.GrantLeaseAsync(ttlSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        var session = new KeyspaceSession(store, grant.Id, grant.TtlSeconds, clock);
        session._loop = Task.Run(() => session.KeepAliveAsync(renewedAt, session._stop.Token), CancellationToken.None);
        return session;
    }

    /// <summary>Stops the keep-alive and revokes the lease.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposing ??= DisposeOnceAsync();
            return new ValueTask(_disposing);
        }
    }

    private async Task DisposeOnceAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (!IsLost)
        {
            using var timeout = new CancellationTokenSource(RevokeTimeout, _time);
            try
            {
                await _store.RevokeLeaseAsync(LeaseId, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CairnException or OperationCanceledException or TimeoutException)
            {
                // Already gone, or the store is out of reach: the lease expires by itself.
            }
        }

        _stop.Dispose();
    }

    // Renews every TTL/3, counting the TTL from the last renewal the store acknowledged (the grant first): a renewal is
    // given only the time left until then, so that a store that hangs ends the session as surely as one that refuses.
    private async Task KeepAliveAsync(long renewedAt, CancellationToken stop)
    {
        var ttl = TimeSpan.FromSeconds(TtlSeconds);
        var period = ttl / 3;
        var retry = new Backoff(TimeSpan.FromMilliseconds(100), period);
        var delay = period;
        while (true)
        {
            try
            {
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                var left = ttl - _time.GetElapsedTime(renewedAt);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                var attempt = _time.GetTimestamp();
                using var timeout = new CancellationTokenSource(left, _time);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
                await _store.KeepAliveLeaseAsync(LeaseId, deadline.Token).ConfigureAwait(false);
                renewedAt = attempt;
                retry.Reset();
                delay = period;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (LeaseNotFoundException)
            {
                break;
            }
            catch (Exception ex) when (ex is CairnException or OperationCanceledException or TimeoutException)
            {
                // Out of reach for now: try again soon, while the TTL lasts.
                var remaining = ttl - _time.GetElapsedTime(renewedAt);
                delay = remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(retry.Next().Ticks, remaining.Ticks));
            }
        }

        await _lost.CancelAsync().ConfigureAwait(false);
    }
}
