using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Recipes;

/// <summary>
/// Mutexes, read-write locks and semaphores on the keyspace (etcd's <c>concurrency</c> recipes, ZooKeeper's lock
/// recipes): a holder or waiter is a key under its session's lease, <c>/cairn/locks/&lt;name&gt;/&lt;id&gt;</c>, queued by
/// create revision, which is also its fencing token. A waiter watches only the key it waits behind (no herd).
/// </summary>
/// <remarks>
/// <para>Who holds: a mutex or writer when first in the queue; a reader when no writer is before it; a semaphore of N
/// when fewer than N are before it. A mutex or writer waits on the key just before it, a reader on the last writer
/// before it. A semaphore's first waiter (N before it) waits on the N holders (a watch of the name that only it keeps),
/// every later waiter on the waiter just before it; a semaphore waiter that is granted after waiting rewrites its key,
/// which tells the waiter behind it that it is now the first.</para>
/// <para>A waiter whose own session ends while it waits finds out when the key it waits behind changes or its wait runs
/// out (it then fails with <see cref="LeaseNotFoundException"/>, or gives up); a caller holding a
/// <see cref="KeyspaceSession"/> passes its <see cref="KeyspaceSession.Lost"/> along to stop at once.</para>
/// <para>Concurrency: safe from any thread; every step that races is one transaction.</para>
/// </remarks>
public sealed class LockStore(IKeyspace store)
{
    /// <summary>Most permits of a semaphore.</summary>
    public const int MaxPermits = 10_000;

    /// <summary>Longest <see cref="LockRequestDto.Owner"/>, in characters.</summary>
    public const int MaxOwnerLength = 1024;

    private readonly IKeyspace _store = store;

    /// <summary>Where locks live.</summary>
    public const string Prefix = "/cairn/locks/";

    /// <summary>Queues for the lock and waits until it is granted; null when <see cref="LockRequestDto.WaitSeconds"/> ran
    /// out first. A waiter that gives up (timeout, cancellation) removes its key before returning.</summary>
    /// <exception cref="ConflictException">The name is used by another kind of lock, or a semaphore with other permits.</exception>
    /// <exception cref="LeaseNotFoundException">The session is gone.</exception>
    public async Task<LockGrantDto?> AcquireAsync(string name, LockRequestDto request, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("lock name", name);
        ArgumentNullException.ThrowIfNull(request);
        var (mode, permits) = CheckMode(request);
        RecipeSupport.CheckLease(request.Lease);
        var wait = RecipeSupport.CheckWaitSeconds(request.WaitSeconds);
        if (request.Owner is { Length: > MaxOwnerLength } owner)
        {
            throw new InvalidArgumentException($"The owner is at most {MaxOwnerLength} characters; got {owner.Length}.");
        }

        var prefix = NamePrefix(name);
        var grant = new LockGrantDto { Name = name, Mode = mode, Permits = permits, Lease = request.Lease, Owner = request.Owner };
        var value = JsonSerializer.SerializeToUtf8Bytes(grant, WireJson.Options);
        var (own, queue, revision) = await RecipeSupport.JoinAsync(_store, prefix, request.Lease, value, cancellationToken).ConfigureAwait(false);
        grant.Key = own.Key;
        grant.Token = own.CreateRevision;

        using var scope = new RecipeSupport.WaitScope(wait, cancellationToken);
        try
        {
            var entries = queue.Select(Parse).ToList();
            var me = entries.FindIndex(e => e.Kv.Key == own.Key);
            var clash = entries.Take(me).FirstOrDefault(e => KindOf(e) != KindOf(entries[me]));
            if (clash is not null)
            {
                throw new ConflictException(
                    $"The lock '{name}' is in use as {KindOf(clash)}; it cannot be taken as {KindOf(entries[me])} until every holder and waiter has left.");
            }

            var waited = false;
            while (true)
            {
                var blocker = Blocker(entries, me);
                if (blocker is null)
                {
                    if (waited && mode == LockModes.Semaphore)
                    {
                        await AnnounceAsync(own, grant, value).ConfigureAwait(false);
                    }

                    grant.Held = true;
                    return grant;
                }

                if (scope.OnlyTry)
                {
                    await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
                    return null;
                }

                waited = true;
                await RecipeSupport.WaitForChangeAsync(_store, blocker.Range, revision + 1, blocker.Wakes, scope.Token).ConfigureAwait(false);
                (queue, revision) = await RecipeSupport.ReadQueueAsync(_store, prefix, scope.Token).ConfigureAwait(false);
                entries = queue.Select(Parse).ToList();
                me = entries.FindIndex(e => e.Kv.Key == own.Key && e.Kv.CreateRevision == own.CreateRevision);
                if (me < 0)
                {
                    throw await RecipeSupport.VanishedAsync(_store, request.Lease, "lock request", scope.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (scope.TimedOut)
        {
            // The wait ran out (a cancellation of the caller's is rethrown below, after the same clean-up).
            await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
            return null;
        }
        catch
        {
            // Cancelled, refused (another kind of lock) or failed: nothing left behind.
            await RecipeSupport.DeleteOwnAsync(_store, own.Key, own.CreateRevision).ConfigureAwait(false);
            throw;
        }

        // The rewrite that tells the semaphore waiter behind this one that it is now the first waiter, and so must watch
        // the holders. Guarded: a key that is gone (session ended) is not brought back.
        async Task AnnounceAsync(KeyValue key, LockGrantDto held, byte[] body)
        {
            var txn = new TxnRequest(
                [Compare.CreateRevision(key.Key, CompareResult.Equal, key.CreateRevision)],
                [new PutRequest(key.Key, body) { Lease = held.Lease }],
                []);
            if (!(await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                throw await RecipeSupport.VanishedAsync(_store, held.Lease, "lock request", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Releases a grant (or withdraws a waiter); false when it was not there (released, or its session ended).</summary>
    public async Task<bool> ReleaseAsync(string name, string key, long token, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("lock name", name);
        CheckKey(NamePrefix(name), key, token);
        var txn = new TxnRequest(
            [Compare.CreateRevision(key, CompareResult.Equal, token)],
            [new DeleteRequest(KeyRange.Single(key))],
            []);
        return (await _store.TxnAsync(txn, cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    /// <summary>Holders and waiters in token order.</summary>
    public async Task<LockStateDto> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        CoordinationNames.Check("lock name", name);
        var (queue, revision) = await RecipeSupport.ReadQueueAsync(_store, NamePrefix(name), cancellationToken).ConfigureAwait(false);
        var entries = queue.Select(Parse).ToList();
        var state = new LockStateDto { Name = name, Revision = revision };
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            state.Queue.Add(new LockGrantDto
            {
                Name = name,
                Key = e.Kv.Key,
                Token = e.Kv.CreateRevision,
                Mode = e.Mode,
                Permits = e.Permits,
                Lease = e.Kv.Lease,
                Owner = e.Owner,
                Held = Blocker(entries, i) is null,
            });
        }

        return state;
    }

    /// <summary>The compare that guards a keyspace write with a grant: true only while the grant is still held.</summary>
    public static Compare Guard(LockGrantDto grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Compare.CreateRevision(grant.Key, CompareResult.Equal, grant.Token);
    }

    private static string NamePrefix(string name) => Prefix + name + "/";

    /// <summary>Checks that a key and token name a holder of the lock whose keys start with <paramref name="prefix"/>.</summary>
    internal static void CheckKey(string prefix, string? key, long token)
    {
        if (key is null || !key.StartsWith(prefix, StringComparison.Ordinal) || !RecipeSupport.IsId(key[prefix.Length..]))
        {
            throw new InvalidArgumentException($"The key must be one that a grant returned, under '{prefix}'; got '{key}'.");
        }

        if (token <= 0)
        {
            throw new InvalidArgumentException($"The token must be the one a grant returned (a positive revision); got {token}.");
        }
    }

    private static (string Mode, int Permits) CheckMode(LockRequestDto request)
    {
        var mode = request.Mode ?? LockModes.Exclusive;
        switch (mode)
        {
            case LockModes.Semaphore:
                if (request.Permits is not { } permits || permits < 1 || permits > MaxPermits)
                {
                    throw new InvalidArgumentException($"A semaphore needs permits between 1 and {MaxPermits}; got {request.Permits?.ToString() ?? "none"}.");
                }

                return (mode, permits);
            case LockModes.Exclusive or LockModes.Read or LockModes.Write:
                if (request.Permits is { } given && given != 1)
                {
                    throw new InvalidArgumentException($"permits is for a semaphore only; a {mode} lock has one holder at a time (got permits {given}).");
                }

                return (mode, 1);
            default:
                throw new InvalidArgumentException(
                    $"mode is one of '{LockModes.Exclusive}', '{LockModes.Read}', '{LockModes.Write}', '{LockModes.Semaphore}'; got '{mode}'.");
        }
    }

    private static Entry Parse(KeyValue kv)
    {
        try
        {
            var dto = JsonSerializer.Deserialize<LockGrantDto>(kv.Value.Span, WireJson.Options);
            if (dto is { Mode: LockModes.Exclusive or LockModes.Read or LockModes.Write or LockModes.Semaphore })
            {
                return new Entry(kv, dto.Mode, dto.Mode == LockModes.Semaphore ? Math.Max(1, dto.Permits) : 1, dto.Owner);
            }
        }
        catch (JsonException)
        {
            // Not written by this recipe: it holds the name exclusively, as far as we can tell.
        }

        return new Entry(kv, LockModes.Exclusive, 1, null);
    }

    // One name, one kind of lock: a mutex, a read-write lock, or a semaphore of so many permits.
    private static string KindOf(Entry e) => e.Mode switch
    {
        LockModes.Read or LockModes.Write => "a read-write lock",
        LockModes.Semaphore => $"a semaphore of {e.Permits} permits",
        _ => "a mutex",
    };

    // What the entry at index i waits behind; null when it holds the lock.
    private static Wait? Blocker(List<Entry> queue, int i)
    {
        var e = queue[i];
        switch (e.Mode)
        {
            case LockModes.Read:
                for (var j = i - 1; j >= 0; j--)
                {
                    if (queue[j].Mode == LockModes.Write)
                    {
                        return Wait.On(queue[j].Kv.Key);
                    }
                }

                return null;
            case LockModes.Semaphore when i < e.Permits:
                return null;
            case LockModes.Semaphore when i == e.Permits:
                // The first waiter: any holder's leaving lets it in. It alone watches the name.
                var holders = queue.Take(i).Select(h => h.Kv.Key).ToHashSet(StringComparer.Ordinal);
                holders.Add(e.Kv.Key);
                return new Wait(
                    KeyRange.Prefix(e.Kv.Key[..(e.Kv.Key.LastIndexOf('/') + 1)]),
                    ev => ev.Type == WatchEventType.Delete && holders.Contains(ev.Kv.Key));
            default:
                return i == 0 ? null : Wait.On(queue[i - 1].Kv.Key);
        }
    }

    private sealed record Entry(KeyValue Kv, string Mode, int Permits, string? Owner);

    private sealed record Wait(KeyRange Range, Func<WatchEvent, bool>? Wakes)
    {
        public static Wait On(string key) => new(KeyRange.Single(key), null);
    }
}
