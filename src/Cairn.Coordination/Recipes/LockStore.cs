using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Mutexes, read-write locks and semaphores on the keyspace (etcd's <c>concurrency</c> recipes, ZooKeeper's lock
/// recipes): a holder or waiter is a key under its session's lease, <c>/cairn/locks/&lt;name&gt;/&lt;id&gt;</c>, queued by
/// create revision, which is also its fencing token. A waiter watches only the key it waits behind (no herd).
/// </summary>
public sealed class LockStore(IKeyspace store)
{
    private readonly IKeyspace _store = store;

    /// <summary>Where locks live.</summary>
    public const string Prefix = "/cairn/locks/";

    /// <summary>Queues for the lock and waits until it is granted; null when <see cref="LockRequestDto.WaitSeconds"/> ran
    /// out first. A waiter that gives up (timeout, cancellation) removes its key before returning.</summary>
    /// <exception cref="ConflictException">The name is used by another kind of lock, or a semaphore with other permits.</exception>
    /// <exception cref="LeaseNotFoundException">The session is gone.</exception>
    public Task<LockGrantDto?> AcquireAsync(string name, LockRequestDto request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Releases a grant (or withdraws a waiter); false when it was not there (released, or its session ended).</summary>
    public Task<bool> ReleaseAsync(string name, string key, long token, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Holders and waiters in token order.</summary>
    public Task<LockStateDto> GetAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The compare that guards a keyspace write with a grant: true only while the grant is still held.</summary>
    public static Compare Guard(LockGrantDto grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Compare.CreateRevision(grant.Key, CompareResult.Equal, grant.Token);
    }
}
