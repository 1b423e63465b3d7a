using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Server.Hosting;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// Who this server is to an etcd client: the cluster and member ids of every response header, numbers etcd derives from
/// its member URLs and Cairn from the node id (the first 8 bytes of its SHA-256), so they stay the same for as long as the
/// node id does. The raft term is always 1: there is no raft election behind the embedded store.
/// </summary>
internal sealed class EtcdIdentity
{
    /// <summary>The identity of node <paramref name="node"/>.</summary>
    public EtcdIdentity(NodeInfo node)
    {
        NodeId = node.Id;
        MemberId = Derive("member:" + node.Id);
        ClusterId = Derive("cluster:" + node.Id);
    }

    /// <summary>The node id the numbers are derived from (the member's name).</summary>
    public string NodeId { get; }

    /// <summary>This member's id.</summary>
    public ulong MemberId { get; }

    /// <summary>The cluster's id.</summary>
    public ulong ClusterId { get; }

    /// <summary>The raft term reported: 1, as no election ever happens.</summary>
    public const ulong RaftTerm = 1;

    /// <summary>A response header at store revision <paramref name="revision"/>.</summary>
    public ResponseHeader Header(long revision) => new()
    {
        ClusterId = ClusterId,
        MemberId = MemberId,
        Revision = revision,
        RaftTerm = RaftTerm,
    };

    private static ulong Derive(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);

        // 0 means "none" in etcd's messages; a hash of 0 is taken as 1.
        return Math.Max(1, BinaryPrimitives.ReadUInt64BigEndian(hash));
    }
}
