using Cairn.Contracts;
using Cairn.Core;
using Cairn.EtcdApi.V3electionpb;
using Cairn.Server.Api;
using Cairn.Server.Security;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Election service on the keyspace, as etcd's server runs it (its client's election recipe): Campaign creates
/// <c>NAME/LEASE</c> holding the value on the caller's lease and answers once no key under <c>NAME/</c> is older (the
/// leader is the oldest key); Proclaim and Resign write or delete that key while its create revision is still the
/// leader's; Leader reads the oldest key; Observe streams the leader's key at every change of leader or value. A
/// campaigner that gives up while waiting has its key deleted, as etcd's server does.
/// </summary>
internal sealed class EtcdElectionService(IKeyspace store, EtcdIdentity identity) : Election.ElectionBase
{
    // etcd's texts, plain Go errors of its recipes (status Unknown).
    private const string NotLeader = "election: not leader";
    private const string NoLeader = "election: no leader";
    private const string MissingLeader = "\"leader\" field must be provided";

    public override async Task<CampaignResponse> Campaign(CampaignRequest request, ServerCallContext context)
    {
        var prefix = EtcdRecipes.Prefix(request.Name);
        var join = EtcdRecipes.JoinTxn(prefix, EtcdRecipes.Key(prefix, request.Lease), request.Lease, request.Value.Memory);
        EtcdAccess.DemandTxn(context, join);
        var lease = await EtcdRecipes.SessionLeaseAsync(store, context, request.Lease).ConfigureAwait(false);
        if (lease != request.Lease)
        {
            join = EtcdRecipes.JoinTxn(prefix, EtcdRecipes.Key(prefix, lease), lease, request.Value.Memory);
        }

        var (own, created, first, revision) = await EtcdRecipes.JoinAsync(store, join, context.CancellationToken).ConfigureAwait(false);

        // Campaigning again under the same lease keeps the place in the queue and posts the new value.
        if (!created && !own.Value.Span.SequenceEqual(request.Value.Span)
            && !(await EtcdRecipes.TxnAsync(store, ProclaimTxn(own.Key, own.CreateRevision, lease, request.Value), CancellationToken.None).ConfigureAwait(false)).Succeeded)
        {
            throw EtcdRecipes.Plain(NotLeader);
        }

        if (!first)
        {
            try
            {
                await EtcdRecipes.WaitTurnAsync(store, prefix, own, () => EtcdRecipes.Plain(NotLeader), context.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // As etcd's server: a campaigner that gives up resigns; one that failed otherwise keeps its key, so that
                // campaigning again under the lease resumes its place.
                await EtcdRecipes.DeleteOwnAsync(store, own.Key, own.CreateRevision).ConfigureAwait(false);
                throw;
            }
        }

        // As etcd, the header is the campaign txn's.
        return new CampaignResponse
        {
            Header = identity.Header(revision),
            Leader = new LeaderKey { Name = request.Name, Key = ByteString.CopyFromUtf8(own.Key), Rev = own.CreateRevision, Lease = lease },
        };
    }

    public override async Task<ProclaimResponse> Proclaim(ProclaimRequest request, ServerCallContext context)
    {
        var leader = request.Leader ?? throw EtcdRecipes.Plain(MissingLeader);
        var key = EtcdConvert.Key(leader.Key);
        EtcdAccess.DemandTxn(context, ProclaimTxn(key, leader.Rev, leader.Lease, request.Value));
        var lease = await EtcdRecipes.SessionLeaseAsync(store, context, leader.Lease).ConfigureAwait(false);
        var result = await EtcdRecipes.TxnAsync(store, ProclaimTxn(key, leader.Rev, lease, request.Value), context.CancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw EtcdRecipes.Plain(NotLeader);
        }

        return new ProclaimResponse { Header = identity.Header(result.Revision) };
    }

    public override async Task<LeaderResponse> Leader(LeaderRequest request, ServerCallContext context)
    {
        var prefix = EtcdRecipes.Prefix(request.Name);
        EtcdAccess.DemandWatch(context, KeyRange.Prefix(prefix));
        var (first, revision) = await EtcdRecipes.FirstAsync(store, prefix, context.CancellationToken).ConfigureAwait(false);
        return first is null
            ? throw EtcdRecipes.Plain(NoLeader)
            : new LeaderResponse { Header = identity.Header(revision), Kv = EtcdConvert.ToEtcd(first) };
    }

    public override async Task Observe(LeaderRequest request, IServerStreamWriter<LeaderResponse> responseStream, ServerCallContext context)
    {
        var prefix = EtcdRecipes.Prefix(request.Name);
        EtcdAccess.DemandWatch(context, KeyRange.Prefix(prefix));
        var http = context.GetHttpContext();
        var canRead = KeyspaceAccess.EventFilter(http);
        var cancellationToken = context.CancellationToken;
        (string Key, long ModRevision) sent = default;

        async Task SendAsync(KeyValue kv, long revision)
        {
            // A permission taken away mid-stream ends it, as the check at its start would refuse it now.
            if (canRead?.Invoke(kv.Key) == false)
            {
                throw Caller.Refuse(http, AuthResources.Kv, KeyspaceAccess.Read, kv.Key);
            }

            // After a compaction the leader is read again: what was sent already is not sent twice.
            if (sent != (kv.Key, kv.ModRevision))
            {
                sent = (kv.Key, kv.ModRevision);
                await responseStream.WriteAsync(new LeaderResponse { Header = identity.Header(revision), Kv = EtcdConvert.ToEtcd(kv) }, cancellationToken).ConfigureAwait(false);
            }
        }

        // As etcd's observe: the leader now (or the first key put when there is none), then each put of its key, until it
        // is deleted; then the next leader. Ends when the caller hangs up.
        while (true)
        {
            var (leader, revision) = await EtcdRecipes.FirstAsync(store, prefix, cancellationToken).ConfigureAwait(false);
            if (leader is null)
            {
                (leader, revision) = await FirstPutAsync(prefix, revision + 1, cancellationToken).ConfigureAwait(false);
                if (leader is null)
                {
                    continue; // compacted meanwhile: read again
                }
            }

            await SendAsync(leader, revision).ConfigureAwait(false);
            await FollowAsync(leader.Key, revision + 1, SendAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<ResignResponse> Resign(ResignRequest request, ServerCallContext context)
    {
        var leader = request.Leader ?? throw EtcdRecipes.Plain(MissingLeader);
        var key = EtcdConvert.Key(leader.Key);
        var txn = new TxnRequest([Compare.CreateRevision(key, CompareResult.Equal, leader.Rev)], [new DeleteRequest(KeyRange.Single(key))], []);
        EtcdAccess.DemandTxn(context, txn);

        // As etcd, resigning an election no longer led (the key is gone or newer) is no error.
        var result = await store.TxnAsync(txn, context.CancellationToken).ConfigureAwait(false);
        return new ResignResponse { Header = identity.Header(result.Revision) };
    }

    private static TxnRequest ProclaimTxn(string key, long createRevision, long lease, ByteString value) => new(
        [Compare.CreateRevision(key, CompareResult.Equal, createRevision)],
        [new PutRequest(key, value.Memory) { Lease = lease }],
        []);

    // The first key put under the prefix from `from` on, and its revision; (null, 0) when that history is compacted.
    private async Task<(KeyValue? Kv, long Revision)> FirstPutAsync(string prefix, long from, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in store.WatchAsync(new WatchRequest(KeyRange.Prefix(prefix)) { StartRevision = from }, cancellationToken).ConfigureAwait(false))
            {
                if (response.Events.FirstOrDefault(e => e.Type == WatchEventType.Put) is { } put)
                {
                    return (put.Kv, put.Kv.ModRevision);
                }
            }
        }
        catch (CompactedException)
        {
            return (null, 0);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new UnavailableException($"The watch on {prefix}* ended unexpectedly.");
    }

    // Sends each put of the leader's key from `from` on, until the key is deleted (or that history is compacted).
    private async Task FollowAsync(string key, long from, Func<KeyValue, long, Task> send, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in store.WatchAsync(new WatchRequest(KeyRange.Single(key)) { StartRevision = from }, cancellationToken).ConfigureAwait(false))
            {
                foreach (var e in response.Events)
                {
                    if (e.Type == WatchEventType.Delete)
                    {
                        return;
                    }

                    await send(e.Kv, response.Revision).ConfigureAwait(false);
                }
            }
        }
        catch (CompactedException)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new UnavailableException($"The watch on '{key}' ended unexpectedly.");
    }
}
