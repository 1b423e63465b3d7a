using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// A lease that lives as long as this process wants it: keys put through the session exist while the session is alive,
/// vanish at once when it is disposed (the lease is revoked), and vanish one TTL after the process dies (nobody keeps
/// the lease alive any more). Made by <see cref="CairnClient.CreateSessionAsync"/>.
/// </summary>
/// <remarks>
/// <para>A background loop renews the lease every TTL/3 (by the injected <see cref="TimeProvider"/>). A failed renewal
/// (server unreachable, restarting) is retried until the lease has certainly expired: one TTL after the last renewal
/// the server answered. The session is then lost, as it is at once when the server says the lease is gone
/// (<see cref="LeaseNotFoundException"/>). A lost session fires <see cref="Lost"/>; its keys are gone or going, and
/// whatever they stood for (membership, a lock) must be given up.</para>
/// <para>Concurrency: every member is safe to call from any thread, concurrently. <see cref="DisposeAsync"/> is
/// idempotent; after it <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/> throws
/// <see cref="ObjectDisposedException"/>. The session does not own the <see cref="CairnClient"/>, which must outlive it.</para>
/// </remarks>
public sealed class CairnSession : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _keepAlive;
    private int _disposed;

    internal CairnSession(CairnClient client, LeaseGrant grant, TimeProvider time)
    {
        _client = client;
        _time = time;
        LeaseId = grant.Id;
        TtlSeconds = grant.TtlSeconds;
        _keepAlive = Task.Run(() => KeepAliveLoopAsync(time.GetTimestamp()));
    }

    /// <summary>The session's lease; keys attached to it by other means share the session's fate.</summary>
    public long LeaseId { get; }

    /// <summary>The lease's TTL: how long the keys outlive a process that died without disposing the session.</summary>
    public long TtlSeconds { get; }

    /// <summary>Fires when the lease is lost (expired or revoked behind the session's back); never on a clean dispose.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>True once the lease is lost.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Completes (never faults) when the session ends: lost, or disposed. <see cref="IsLost"/> says which.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Puts <paramref name="key"/> attached to the session's lease.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value bytes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="LeaseNotFoundException">The session is lost.</exception>
    public Task<PutResultDto> PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _client.PutAsync(key, value, new PutOptions { Lease = LeaseId }, cancellationToken);
    }

    /// <summary>Puts <paramref name="key"/> with a UTF-8 text value, attached to the session's lease.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The text, stored as UTF-8.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="LeaseNotFoundException">The session is lost.</exception>
    public Task<PutResultDto> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Stops the keep-alive and revokes the lease, so that the session's keys are deleted now rather than
    /// after the TTL. If the server cannot be reached the keys still go when the lease expires.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!IsLost)
        {
            try
            {
                await _client.RevokeLeaseAsync(LeaseId).ConfigureAwait(false);
            }
            catch (LeaseNotFoundException)
            {
                // Expired between the last renewal and now: the keys are gone, which is what revoking wanted.
            }
            catch (UnavailableException)
            {
                // The server is away; the lease will expire after its TTL and take the keys with it.
            }
        }

        _closed.TrySetResult();
        _stop.Dispose();
    }

    private async Task KeepAliveLoopAsync(long renewedAt)
    {
        var ttl = TimeSpan.FromSeconds(TtlSeconds);
        var interval = ttl / 3;
        var retry = TimeSpan.FromMilliseconds(Math.Min(500, interval.TotalMilliseconds));
        var delay = interval;
        try
        {
            while (true)
            {
                await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
                var attempt = _time.GetTimestamp();
                try
                {
                    await _client.KeepAliveLeaseAsync(LeaseId, _stop.Token).ConfigureAwait(false);

                    // The server renewed the lease no earlier than when we asked, so it expires no earlier than one TTL
                    // after `attempt` by our clock.
                    renewedAt = attempt;
                    delay = interval;
                }
                catch (LeaseNotFoundException)
                {
                    MarkLost();
                    return;
                }
                catch (Exception) when (!_stop.IsCancellationRequested)
                {
                    if (_time.GetElapsedTime(renewedAt) >= ttl)
                    {
                        MarkLost();
                        return;
                    }

                    // Transient (unreachable, restarting, overloaded): try again soon, as long as the lease may live.
                    delay = retry;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private void MarkLost()
    {
        _lost.Cancel();
        _closed.TrySetResult();
    }
}
