using Cairn.Core;

namespace Cairn.Coordination;

/// <summary>
/// A session on the keyspace for the recipes (etcd's <c>concurrency.Session</c>): a lease kept alive every TTL/3 until
/// disposed (then revoked, so that everything held under it goes at once) or lost (the store says the lease is gone, or
/// no renewal succeeded for a whole TTL), which fires <see cref="Lost"/>.
/// </summary>
/// <remarks>Concurrency: safe from any thread; <see cref="DisposeAsync"/> is idempotent.</remarks>
public sealed class KeyspaceSession : IAsyncDisposable
{
    private KeyspaceSession(long leaseId, long ttlSeconds)
    {
        LeaseId = leaseId;
        TtlSeconds = ttlSeconds;
    }

    /// <summary>The lease.</summary>
    public long LeaseId { get; }

    /// <summary>Its TTL in seconds.</summary>
    public long TtlSeconds { get; }

    /// <summary>Fires when the lease is lost (never on a clean dispose).</summary>
    public CancellationToken Lost => throw new NotImplementedException();

    /// <summary>True once lost.</summary>
    public bool IsLost => throw new NotImplementedException();

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> and starts keeping it alive by <paramref name="time"/>.</summary>
    public static Task<KeyspaceSession> StartAsync(IKeyspace store, long ttlSeconds, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Stops the keep-alive and revokes the lease.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
