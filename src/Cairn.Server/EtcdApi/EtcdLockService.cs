using Cairn.Core;
using Cairn.EtcdApi.V3lockpb;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Lock service on the keyspace, as etcd's server runs it (its client's mutex): Lock creates <c>NAME/LEASE</c> on
/// the caller's lease (etcd grants a 60 s lease that nobody renews when the request names none) and answers once no
/// key under <c>NAME/</c> is older; the key is the lock, held until Unlock deletes it or the lease ends. Locking again
/// with the same lease is the same acquisition. A caller that gives up while waiting (cancels, its deadline passes)
/// has its key deleted, as etcd's server deletes it.
/// </summary>
internal sealed class EtcdLockService(IKeyspace store, EtcdIdentity identity) : Cairn.EtcdApi.V3lockpb.Lock.LockBase
{
    // etcd's mutex's text when the waiter's own key is gone by the time its turn comes (its lease ended).
    private const string SessionExpired = "mutex: session is expired";

    public override async Task<LockResponse> Lock(LockRequest request, ServerCallContext context)
    {
        var prefix = EtcdRecipes.Prefix(request.Name);
        var join = EtcdRecipes.JoinTxn(prefix, EtcdRecipes.Key(prefix, request.Lease), request.Lease, ReadOnlyMemory<byte>.Empty);
        EtcdAccess.DemandTxn(context, join);
        var lease = await EtcdRecipes.SessionLeaseAsync(store, context, request.Lease).ConfigureAwait(false);
        if (lease != request.Lease)
        {
            join = EtcdRecipes.JoinTxn(prefix, EtcdRecipes.Key(prefix, lease), lease, ReadOnlyMemory<byte>.Empty);
        }

        var (own, _, first, revision) = await EtcdRecipes.JoinAsync(store, join, context.CancellationToken).ConfigureAwait(false);
        if (first)
        {
            return Answer(own, revision);
        }

        try
        {
            revision = await EtcdRecipes.WaitTurnAsync(store, prefix, own, () => EtcdRecipes.Plain(SessionExpired), context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // As etcd's mutex, a wait that fails for any reason (the caller gave up, the store failed) takes its key back.
            await EtcdRecipes.DeleteOwnAsync(store, own.Key, own.CreateRevision).ConfigureAwait(false);
            throw;
        }

        return Answer(own, revision);
    }

    public override async Task<UnlockResponse> Unlock(UnlockRequest request, ServerCallContext context)
    {
        // As etcd: a plain delete of the key, whoever holds it.
        var delete = new DeleteRequest(KeyRange.Single(EtcdConvert.Key(request.Key)));
        EtcdAccess.DemandOp(context, delete);
        var result = await store.DeleteAsync(delete, context.CancellationToken).ConfigureAwait(false);
        return new UnlockResponse { Header = identity.Header(result.Revision) };
    }

    private LockResponse Answer(KeyValue own, long revision) => new() { Header = identity.Header(revision), Key = ByteString.CopyFromUtf8(own.Key) };
}
