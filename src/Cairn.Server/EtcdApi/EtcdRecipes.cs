using System.Globalization;
using Cairn.Core;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// What etcd's Lock and Election services share, done on the keyspace as etcd's server does them (it runs its client's
/// <c>concurrency</c> recipes): a contender's key is <c>NAME/LEASE</c> (the lease in hex) attached to its lease and
/// created if absent; the contenders queue by create revision, the lowest holds; a contender waits for the deletion of
/// the key just below its own, then reads again, until none is below.
/// </summary>
internal static class EtcdRecipes
{
    /// <summary>etcd's TTL for the lease its server grants when a Lock or Campaign names none (its session's default).</summary>
    public const long DefaultSessionTtlSeconds = 60;

    /// <summary>The prefix of <paramref name="name"/>'s contenders: the name and a <c>/</c>.</summary>
    public static string Prefix(ByteString name)
    {
        var prefix = Keys.Decode(name.Span) + "/";
        Keys.Validate(prefix);
        return prefix;
    }

    /// <summary>A contender's key: the prefix and the lease in hex, as etcd's <c>fmt.Sprintf("%s%x", pfx, lease)</c>.</summary>
    public static string Key(string prefix, long lease) => prefix + lease.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The lease the contender's key lives by: <paramref name="lease"/>, or for 0 a new lease of
    /// <see cref="DefaultSessionTtlSeconds"/> that nobody keeps alive, as etcd's server grants (its session with no lease).</summary>
    public static async ValueTask<long> SessionLeaseAsync(IKeyspace store, ServerCallContext context, long lease)
    {
        if (lease != 0)
        {
            return lease;
        }

        EtcdAccess.DemandLeases(context, Api.KeyspaceAccess.Write);
        var grant = await store.GrantLeaseAsync(DefaultSessionTtlSeconds, 0, context.CancellationToken).ConfigureAwait(false);
        return grant.Id;
    }

    /// <summary>The txn that joins the queue: creates <paramref name="key"/> with <paramref name="value"/> on
    /// <paramref name="lease"/> unless it exists (the same lease joining again keeps its place), and reads the queue.</summary>
    public static TxnRequest JoinTxn(string prefix, string key, long lease, ReadOnlyMemory<byte> value) => new(
        [Compare.CreateRevision(key, CompareResult.Equal, 0)],
        [new PutRequest(key, value) { Lease = lease }, new RangeRequest(KeyRange.Prefix(prefix))],
        [new RangeRequest(KeyRange.Prefix(prefix))]);

    /// <summary>Runs <see cref="JoinTxn"/> and returns the contender's key as it is after it, whether the txn created it,
    /// whether it is first in the queue (holds), and the txn's revision.</summary>
    /// <remarks>Not cancelled mid-way by the caller: a txn abandoned in flight may still commit, and the key would be left
    /// with nobody to delete it.</remarks>
    /// <exception cref="RpcException">The lease is unknown or has expired (<see cref="TxnAsync"/>).</exception>
    public static async Task<(KeyValue Own, bool Created, bool First, long Revision)> JoinAsync(IKeyspace store, TxnRequest join, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await TxnAsync(store, join, CancellationToken.None).ConfigureAwait(false);
        var key = join.Compares[0].Key;
        var queue = (RangeResult)result.Results[^1];
        var own = queue.Kvs.FirstOrDefault(kv => kv.Key == key)
            ?? throw new UnavailableException($"Key '{key}' was not there in the txn that joined it to the queue; try again.");
        return (own, result.Succeeded, queue.Kvs.MinBy(kv => kv.CreateRevision)!.Key == key, result.Revision);
    }

    /// <summary>A txn of a recipe: an unknown lease is answered as etcd's server answers it there, with etcd's text
    /// under status <c>Unknown</c> (its recipes run on its own client, whose error reaches the caller as a plain one),
    /// not <c>NotFound</c> as the Lease and KV services answer.</summary>
    public static async Task<TxnResult> TxnAsync(IKeyspace store, TxnRequest txn, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseNotFoundException)
        {
            throw Plain(EtcdErrors.LeaseNotFound);
        }
    }

    /// <summary>
    /// Waits until no key under <paramref name="prefix"/> has a create revision below <paramref name="own"/>'s (etcd's
    /// <c>waitDeletes</c>): reads the queue, watches the key just below for its deletion, and reads again. Returns the
    /// revision of the read that found none below; throws when <paramref name="own"/> vanished meanwhile (its lease
    /// expired or it was deleted), as etcd's mutex finds after its wait.
    /// </summary>
    public static async Task<long> WaitTurnAsync(IKeyspace store, string prefix, KeyValue own, Func<Exception> vanished, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)) { KeysOnly = true }, cancellationToken).ConfigureAwait(false);
            if (!read.Kvs.Any(kv => kv.Key == own.Key && kv.CreateRevision == own.CreateRevision))
            {
                throw vanished();
            }

            var below = read.Kvs.Where(kv => kv.CreateRevision < own.CreateRevision).MaxBy(kv => kv.CreateRevision);
            if (below is null)
            {
                return read.Revision;
            }

            await WaitForDeleteAsync(store, below.Key, read.Revision + 1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The contender first in the queue under <paramref name="prefix"/> (lowest create revision), if any, and the
    /// revision of the read.</summary>
    public static async Task<(KeyValue? First, long Revision)> FirstAsync(IKeyspace store, string prefix, CancellationToken cancellationToken)
    {
        var read = await store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)), cancellationToken).ConfigureAwait(false);
        return (read.Kvs.MinBy(kv => kv.CreateRevision), read.Revision);
    }

    /// <summary>Waits, from <paramref name="fromRevision"/> on, for <paramref name="key"/> to be deleted. Returns early
    /// when that history is compacted away: the caller reads the present again.</summary>
    public static async Task WaitForDeleteAsync(IKeyspace store, string key, long fromRevision, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in store.WatchAsync(new WatchRequest(KeyRange.Single(key)) { StartRevision = fromRevision }, cancellationToken).ConfigureAwait(false))
            {
                if (response.Events.Any(e => e.Type == WatchEventType.Delete))
                {
                    return;
                }
            }
        }
        catch (CompactedException)
        {
            return;
        }

        // A watch ends only when cancelled (which throws); a backend that ends it otherwise has nothing more to say.
        cancellationToken.ThrowIfCancellationRequested();
        throw new UnavailableException($"The watch on '{key}' ended unexpectedly.");
    }

    /// <summary>Deletes <paramref name="key"/> if it is still the incarnation created at <paramref name="createRevision"/>,
    /// whatever the caller's cancellation (a contender that gives up leaves nothing behind); a store out of reach leaves
    /// the key to its lease.</summary>
    public static async Task DeleteOwnAsync(IKeyspace store, string key, long createRevision)
    {
        var txn = new TxnRequest([Compare.CreateRevision(key, CompareResult.Equal, createRevision)], [new DeleteRequest(KeyRange.Single(key))], []);
        try
        {
            await store.TxnAsync(txn, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CairnException)
        {
            // Left to the lease, which the caller stops keeping alive when it gives up.
        }
    }

    /// <summary>An error etcd's server gives as a plain Go error (status <c>Unknown</c>, its text), such as its
    /// recipes' <c>election: not leader</c>.</summary>
    public static RpcException Plain(string message) => EtcdErrors.Status(StatusCode.Unknown, message);
}
