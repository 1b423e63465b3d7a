using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// A held lock (from <see cref="CairnClient.AcquireLockAsync"/>). Dispose it to release the lock.
/// </summary>
/// <remarks>
/// <para>The fencing rule: a lock can be lost behind its holder's back (its session expired while the process was
/// paused), and another holder granted it. So a write the lock protects must carry <see cref="Token"/> and be refused by
/// the resource when a larger token has been seen; a keyspace write is fenced by <see cref="Guard"/> (the grant's key
/// still exists with this token as its create revision), as <see cref="PutIfHeldAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
/// does.</para>
/// <para><see cref="Lost"/> fires when the session behind the lock ends or the grant's key goes (revoked, deleted): stop
/// the work the lock protects. Concurrency: every member is safe to call from any thread; <see cref="DisposeAsync"/> is
/// idempotent.</para>
/// </remarks>
public sealed class LockHandle : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly HandleLife _life;

    internal LockHandle(CairnClient client, LockGrantDto grant, HandleLife life)
    {
        _client = client;
        _life = life;
        Grant = grant;
        life.RunUntilLost(ct => client.WaitUntilGoneAsync(grant.Key, grant.Token, ct));
    }

    /// <summary>The grant as the server answered it.</summary>
    public LockGrantDto Grant { get; }

    /// <summary>The lock's name.</summary>
    public string Name => Grant.Name;

    /// <summary>The grant's key: the lock is held while it exists with <see cref="Token"/> as its create revision.</summary>
    public string Key => Grant.Key;

    /// <summary>The fencing token: the store revision at which this holder queued; every later holder's is larger.</summary>
    public long Token => Grant.Token;

    /// <summary>The session the lock lives under.</summary>
    public CairnSession Session => _life.Session;

    /// <summary>Fires when the lock is lost: its session ended, or its key was deleted. Never on a release.</summary>
    public CancellationToken Lost => _life.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _life.IsLost;

    /// <summary>Completes (never faults) when the handle ends: lost or released.</summary>
    public Task Closed => _life.Closed;

    /// <summary>The compare that holds only while this grant holds the lock, for a transaction the lock protects.</summary>
    public Compare Guard => Compare.CreateRevision(Key, CompareResult.Equal, Token);

    /// <summary>Writes <paramref name="key"/> only if this grant still holds the lock (one transaction guarded by
    /// <see cref="Guard"/>).</summary>
    /// <param name="key">The key to write.</param>
    /// <param name="value">Its value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when written; false when the lock is no longer held (nothing was written, and the handle is lost).</returns>
    public async Task<bool> PutIfHeldAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        var result = await TxnIfHeldAsync([new PutRequest(key, value)], cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>Writes <paramref name="key"/> as UTF-8 text only if this grant still holds the lock.</summary>
    /// <param name="key">The key to write.</param>
    /// <param name="value">Its value as text.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when written; false when the lock is no longer held.</returns>
    public Task<bool> PutIfHeldAsync(string key, string value, CancellationToken cancellationToken = default) =>
        PutIfHeldAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Runs <paramref name="operations"/> in one transaction only if this grant still holds the lock.</summary>
    /// <param name="operations">The operations (puts, deletes, reads).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The transaction's result; not <see cref="TxnResult.Succeeded"/> when the lock is no longer held.</returns>
    public async Task<TxnResult> TxnIfHeldAsync(IReadOnlyList<KvRequest> operations, CancellationToken cancellationToken = default)
    {
        var result = await _client.TxnAsync(new TxnRequest([Guard], operations, []), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            _life.MarkLost();
        }

        return result;
    }

    /// <summary>Releases the lock (unless lost already) and ends a session the handle created. Idempotent.</summary>
    public ValueTask DisposeAsync() => _life.DisposeAsync(() => _client.ReleaseLockAsync(Name, Key, Token));
}
