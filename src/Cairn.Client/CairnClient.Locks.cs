using System.Globalization;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>Locks over <c>/v1/locks</c>: mutexes, read-write locks and semaphores whose grants carry a fencing token.</summary>
public sealed partial class CairnClient
{
    /// <summary>
    /// Takes a lock (<c>POST /v1/locks/{name}</c>), waiting in line (each waiter watches only the one ahead of it) until it
    /// is granted. The grant lives under <paramref name="session"/>, or under a session the handle creates and ends on
    /// dispose; when that session ends the lock is released by the server and the handle's <see cref="LockHandle.Lost"/>
    /// fires. The grant's <see cref="LockHandle.Token"/> is a fencing token: larger for every later holder.
    /// </summary>
    /// <remarks>A wait longer than one request may last (50 s, or less within a shorter request timeout) is made of
    /// several requests: between two, the waiter queues again, behind those that queued meanwhile.</remarks>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Mode, permits, owner, how long to wait, and the TTL of a session the handle creates.</param>
    /// <param name="session">The session to hold it under; null: a new one, owned by the handle.</param>
    /// <param name="cancellationToken">Gives up waiting (nothing is left behind).</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="ConflictException"><see cref="LockOptions.Wait"/> ran out (nothing is left behind), or the name is
    /// held as another kind of lock (or a semaphore with other permits).</exception>
    /// <exception cref="InvalidArgumentException">A bad name, mode or permits.</exception>
    public async Task<LockHandle> AcquireLockAsync(string name, LockOptions? options = null, CairnSession? session = null, CancellationToken cancellationToken = default)
    {
        options ??= new LockOptions();
        var uri = CoordinationUri("v1/locks", Name("lock name", name));
        var (held, owned) = await SessionForAsync(session, options.SessionTtlSeconds, cancellationToken).ConfigureAwait(false);
        try
        {
            var grant = await WaitInLineAsync<LockGrantDto>(
                options.Wait,
                wait => new HttpRequestMessage(HttpMethod.Post, uri)
                {
                    Content = JsonContent(new LockRequestDto
                    {
                        Lease = held.LeaseId,
                        Mode = options.Mode,
                        Permits = options.Permits,
                        Owner = options.Owner,
                        WaitSeconds = wait.TotalSeconds,
                    }),
                },
                cancellationToken).ConfigureAwait(false);
            return new LockHandle(this, grant, new HandleLife(held, owned));
        }
        catch
        {
            if (owned)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>A lock's holders and waiters in queue order (<c>GET /v1/locks/{name}</c>); an empty queue when nobody holds it.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LockStateDto> GetLockAsync(string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<LockStateDto>(new HttpRequestMessage(HttpMethod.Get, CoordinationUri("v1/locks", Name("lock name", name))), cancellationToken);

    /// <summary>Releases a grant (<c>DELETE /v1/locks/{name}?key=&amp;token=</c>); <see cref="LockHandle.DisposeAsync"/>
    /// does this for a handle.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="key">The grant's <see cref="LockGrantDto.Key"/>.</param>
    /// <param name="token">The grant's <see cref="LockGrantDto.Token"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when that grant was not held (released already, or its session ended).</returns>
    public Task<bool> ReleaseLockAsync(string name, string key, long token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var uri = CoordinationUri("v1/locks", [Name("lock name", name)], "key=" + Uri.EscapeDataString(key) + "&token=" + token.ToString(CultureInfo.InvariantCulture));
        return SendNoContentAsync(new HttpRequestMessage(HttpMethod.Delete, uri), cancellationToken);
    }

    /// <summary>
    /// Sends a request that waits on the server (a lock, a campaign, a barrier entry) for up to <paramref name="wait"/>
    /// (null: for ever), as a series of requests that each fit in the request timeout. The server answers 409 when a
    /// request's wait runs out, with nothing left behind; the next request queues again. A 409 that comes before the
    /// request's wait is up is a real conflict and is thrown.
    /// </summary>
    private async Task<T> WaitInLineAsync<T>(TimeSpan? wait, Func<TimeSpan, HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var chunk = NextWait(started, wait, out var last);
            var sent = TimeProvider.System.GetTimestamp();
            try
            {
                return await SendJsonAsync<T>(request(chunk), cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException) when (!last && TimeProvider.System.GetElapsedTime(sent) >= chunk - TimeSpan.FromSeconds(1))
            {
                // This request's wait ran out; wait on.
            }
        }
    }
}
