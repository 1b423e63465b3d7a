namespace Cairn.ZooKeeper;

// Reading a node's ACL (getACL), to check who may do what with it.
public sealed partial class ZooKeeperClient
{
    /// <summary>Reads a node's ACL and metadata.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>The ACL (digest identities as <c>user:base64(sha1(user:password))</c>) and the metadata.</returns>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="NoAuthException">The session may neither read nor administer the node.</exception>
    public Task<NodeAcl> GetAclAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, false, nameof(path));
        return SubmitAsync(new GetAclRequest(ToServer(path), path), cancellationToken);
    }

    private sealed class GetAclRequest(string serverPath, string path) : Request<NodeAcl>(OpCodes.GetAcl, path)
    {
        public override void WriteBody(JuteWriter writer) => writer.WriteString(serverPath);

        protected override NodeAcl Read(int error, ref JuteReader body)
        {
            var acl = body.ReadAcl();
            return new NodeAcl(acl, body.ReadStat());
        }
    }
}
