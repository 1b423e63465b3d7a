using Cairn.Core;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Server.Hosting;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Cluster service: a Cairn server is a cluster of one member, itself, whose client URLs are its etcd API
/// listeners (so <c>etcdctl member list</c> works). Membership changes answer Unimplemented.
/// </summary>
internal sealed class EtcdClusterService(IKeyspace store, EtcdIdentity identity, ServerAddresses addresses) : Cluster.ClusterBase
{
    public override async Task<MemberListResponse> MemberList(MemberListRequest request, ServerCallContext context)
    {
        var status = await store.StatusAsync(context.CancellationToken).ConfigureAwait(false);
        var member = new Member { ID = identity.MemberId, Name = identity.NodeId };

        // etcd writes a Unix socket as unix://PATH in its URLs.
        member.ClientURLs.AddRange(addresses.Of(EtcdApiEndpoints.ListenerName)
            .Select(a => a.StartsWith("unix:", StringComparison.Ordinal) ? "unix://" + a["unix:".Length..] : a));
        var response = new MemberListResponse { Header = identity.Header(status.Revision) };
        response.Members.Add(member);
        return response;
    }

    public override Task<MemberAddResponse> MemberAdd(MemberAddRequest request, ServerCallContext context) => throw Membership("MemberAdd");

    public override Task<MemberRemoveResponse> MemberRemove(MemberRemoveRequest request, ServerCallContext context) => throw Membership("MemberRemove");

    public override Task<MemberUpdateResponse> MemberUpdate(MemberUpdateRequest request, ServerCallContext context) => throw Membership("MemberUpdate");

    public override Task<MemberPromoteResponse> MemberPromote(MemberPromoteRequest request, ServerCallContext context) => throw Membership("MemberPromote");

    private static RpcException Membership(string rpc) =>
        EtcdErrors.Unimplemented(rpc, "a Cairn server is the only member of the etcd cluster it shows; Cairn's own cluster is formed by servers sharing a backend (cairn cluster).");
}
