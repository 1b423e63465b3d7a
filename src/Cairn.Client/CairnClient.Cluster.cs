using Cairn.Contracts;

namespace Cairn.Client;

/// <summary><c>GET /v1/cluster/nodes</c>.</summary>
public sealed partial class CairnClient
{
    /// <summary>The live nodes of the cluster the server belongs to, and which one leads.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="Core.UnavailableException">The server cannot be reached, or its store cannot answer.</exception>
    public Task<ClusterNodesDto> ClusterNodesAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<ClusterNodesDto>(new HttpRequestMessage(HttpMethod.Get, "v1/cluster/nodes"), cancellationToken);
}
