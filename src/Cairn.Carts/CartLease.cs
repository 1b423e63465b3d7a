using Cairn.Core;

namespace Cairn.Carts;

/// <summary>
/// The node's cart lease: its claims and volume record hang on it. Renewed every TTL/3 by the injected clock; lost when
/// the store says it is gone or no renewal succeeded for a whole TTL (then <see cref="Lost"/> fires and stays fired).
/// </summary>
internal sealed class CartLease : IAsyncDisposable
{
    private readonly IKeyspace _store;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private CartLease(IKeyspace store, long id, long ttlSeconds, TimeProvider time)
    {
        _store = store;
        _time = time;
        Id = id;
        TtlSeconds = ttlSeconds;
    }

    public long Id { get; }

    public long TtlSeconds { get; }

    public CancellationToken Lost => _lost.Token;

    public static long Seconds(TimeSpan ttl) => Math.Clamp((long)Math.Ceiling(ttl.TotalSeconds), Leases.MinTtlSeconds, Leases.MaxTtlSeconds);

    public static async Task<CartLease> StartAsync(IKeyspace store, TimeSpan ttl, TimeProvider time, CancellationToken cancellationToken)
    {
        var renewedAt = time.GetTimestamp();
        var grant = await store.GrantLeaseAsync(Seconds(ttl), cancellationToken: cancellationToken).ConfigureAwait(false);
        var lease = new CartLease(store, grant.Id, grant.TtlSeconds, time);
        lease._loop = Task.Run(() => lease.KeepAliveAsync(renewedAt, lease._stop.Token), CancellationToken.None);
        return lease;
    }

    /// <summary>No lease (a standalone node): claims are written without one, and it is never lost.</summary>
    public static CartLease None(IKeyspace store, TimeProvider time) => new(store, 0, 0, time);

    /// <summary>Stops renewing, leaving the lease to expire (as after a crash).</summary>
    public async Task AbandonAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    /// <summary>Stops renewing and revokes the lease (its keys go at once); best effort.</summary>
    public async ValueTask DisposeAsync()
    {
        await AbandonAsync().ConfigureAwait(false);
        if (Id != 0 && !_lost.IsCancellationRequested)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _store.RevokeLeaseAsync(Id, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CairnException or OperationCanceledException or TimeoutException)
            {
                // Gone already, or the store is out of reach: it expires by itself.
            }
        }
    }

    private async Task KeepAliveAsync(long renewedAt, CancellationToken stop)
    {
        var ttl = TimeSpan.FromSeconds(TtlSeconds);
        var period = ttl / 3;
        var retry = new RetryDelay(TimeSpan.FromMilliseconds(100), period);
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
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
                await _store.KeepAliveLeaseAsync(Id, linked.Token).ConfigureAwait(false);
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
            catch (Exception e) when (e is CairnException or OperationCanceledException or TimeoutException)
            {
                var remaining = ttl - _time.GetElapsedTime(renewedAt);
                delay = remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(retry.Next().Ticks, remaining.Ticks));
            }
        }

        await _lost.CancelAsync().ConfigureAwait(false);
    }
}
