using Cairn.Core;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Server.Api;
using Cairn.Server.Security;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Lease service on the keyspace's leases: grant (id 0: the store picks one), revoke, keep-alive (a stream, one
/// answer per request, TTL 0 for a lease that is gone), time to live (with the keys when asked; TTL -1 for a lease that
/// is gone, as etcd answers) and the list.
/// </summary>
internal sealed class EtcdLeaseService(IKeyspace store, EtcdIdentity identity) : Lease.LeaseBase
{
    // etcd's largest TTL (its MaxLeaseTTL); Cairn allows up to ten years, which is more.
    private const long MaxTtlSeconds = 9_000_000_000;

    public override async Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context)
    {
        EtcdAccess.DemandLeases(context, KeyspaceAccess.Write);
        if (request.TTL > MaxTtlSeconds)
        {
            throw EtcdErrors.Status(StatusCode.OutOfRange, "etcdserver: too large lease TTL");
        }

        if (request.ID != 0 && await store.LeaseTimeToLiveAsync(request.ID, cancellationToken: context.CancellationToken).ConfigureAwait(false) is not null)
        {
            throw EtcdErrors.Status(StatusCode.FailedPrecondition, EtcdErrors.LeaseExists);
        }

        // etcd raises a TTL below its minimum to the minimum; Cairn's is one second.
        var grant = await store.GrantLeaseAsync(Math.Max(1, request.TTL), request.ID, context.CancellationToken).ConfigureAwait(false);
        return new LeaseGrantResponse { Header = identity.Header(grant.Revision), ID = grant.Id, TTL = grant.TtlSeconds };
    }

    public override async Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context)
    {
        EtcdAccess.DemandLeases(context, KeyspaceAccess.Write);

        // Revoking deletes the lease's keys: it needs write on each, as etcd's LeaseRevoke and DELETE /v1/leases/{id}.
        var http = context.GetHttpContext();
        if (Caller.Of(http).IsRestricted
            && await store.LeaseTimeToLiveAsync(request.ID, includeKeys: true, context.CancellationToken).ConfigureAwait(false) is { } attached)
        {
            LeaseEndpoints.DemandOnKeys(http, request.ID, attached.Keys, KeyspaceAccess.Write);
        }

        var revision = await store.RevokeLeaseAsync(request.ID, context.CancellationToken).ConfigureAwait(false);
        return new LeaseRevokeResponse { Header = identity.Header(revision) };
    }

    public override async Task LeaseKeepAlive(IAsyncStreamReader<LeaseKeepAliveRequest> requestStream, IServerStreamWriter<LeaseKeepAliveResponse> responseStream, ServerCallContext context)
    {
        EtcdAccess.DemandLeases(context, KeyspaceAccess.Write);

        // One answer per request, written before the next request is read: the stream has one writer. It ends when the
        // client half-closes.
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var id = requestStream.Current.ID;
            var response = new LeaseKeepAliveResponse { ID = id };
            try
            {
                var lease = await store.KeepAliveLeaseAsync(id, context.CancellationToken).ConfigureAwait(false);
                response.TTL = lease.GrantedTtlSeconds;
            }
            catch (LeaseNotFoundException)
            {
                response.TTL = 0; // etcd's answer for a lease that is gone
            }

            response.Header = identity.Header(await EtcdRevision.CurrentAsync(store, context.CancellationToken).ConfigureAwait(false));
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context)
    {
        EtcdAccess.DemandLeases(context, KeyspaceAccess.Read);
        var lease = await store.LeaseTimeToLiveAsync(request.ID, request.Keys, context.CancellationToken).ConfigureAwait(false);
        var response = new LeaseTimeToLiveResponse
        {
            Header = identity.Header(await EtcdRevision.CurrentAsync(store, context.CancellationToken).ConfigureAwait(false)),
            ID = request.ID,
            TTL = lease?.RemainingTtlSeconds ?? -1,
            GrantedTTL = lease?.GrantedTtlSeconds ?? 0,
        };
        if (lease is not null)
        {
            // The keys' names are the keys': listing them needs read on each, as etcd and GET /v1/leases/{id}?keys=true.
            LeaseEndpoints.DemandOnKeys(context.GetHttpContext(), request.ID, lease.Keys, KeyspaceAccess.Read);
            response.Keys.AddRange(lease.Keys.Select(ByteString.CopyFromUtf8));
        }

        return response;
    }

    public override async Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context)
    {
        EtcdAccess.DemandLeases(context, KeyspaceAccess.Read);
        var leases = await store.ListLeasesAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new LeaseLeasesResponse { Header = identity.Header(await EtcdRevision.CurrentAsync(store, context.CancellationToken).ConfigureAwait(false)) };
        response.Leases.AddRange(leases.Select(l => new LeaseStatus { ID = l.Id }));
        return response;
    }
}
