namespace Cairn.Core;

/// <summary>
/// A write whose keys expire together under a lease of their own (a key put with a TTL, a blob with an expiry): the
/// lease is granted for the write, revoked if the write fails (unused, it would linger for its whole TTL), and granted
/// again if it ran out before the write reached the store — a TTL shorter than a pause of this process is the caller's
/// TTL, not a reason to fail with "lease not found" for a lease the caller never named.
/// </summary>
public static class OwnLease
{
    /// <summary>How many leases one write is given before "lease not found" is reported.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Runs <paramref name="write"/> with a new lease of <paramref name="ttlSeconds"/>, or with lease 0 (none)
    /// when <paramref name="ttlSeconds"/> is null.</summary>
    /// <exception cref="InvalidArgumentException">The TTL is out of range.</exception>
    public static async Task<T> RunAsync<T>(IKeyspace store, long? ttlSeconds, Func<long, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        if (ttlSeconds is not { } ttl)
        {
            return await write(0).ConfigureAwait(false);
        }

        Leases.ValidateTtl(ttl);
        for (var attempt = 1; ; attempt++)
        {
            var lease = (await store.GrantLeaseAsync(ttl, cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
            try
            {
                return await write(lease).ConfigureAwait(false);
            }
            catch (LeaseNotFoundException) when (attempt < MaxAttempts)
            {
                await RevokeUnusedAsync(store, lease).ConfigureAwait(false);
            }
            catch
            {
                await RevokeUnusedAsync(store, lease).ConfigureAwait(false);
                throw;
            }
        }
    }

    private static async Task RevokeUnusedAsync(IKeyspace store, long lease)
    {
        try
        {
            await store.RevokeLeaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CairnException)
        {
            // The write's own error is the one to report; the lease expires by itself.
        }
    }
}
