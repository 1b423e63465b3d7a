using System.Net;
using System.Net.Http.Headers;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Volumes;

/// <summary>Reads a byte range of a blob file held by another node, from <c>GET /v1/internal/volumes/{volume}/{blob}</c>
/// on one of the addresses that node published (TCP, TLS or Unix socket), streaming, with the node credential
/// (<see cref="NodeHttpClients"/>).</summary>
internal sealed class HttpBlobRemote(NodeHttpClients clients) : IBlobRemote
{
    public async Task<Stream> OpenAsync(VolumeRecord volume, string blobId, long offset, long length, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var address in NodeHttpClients.InOrder(volume.Addresses))
        {
            var (client, baseUri) = clients.For(address);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, $"/v1/internal/volumes/{volume.VolumeId}/{blobId}"));
            request.Headers.Range = new RangeHeaderValue(offset, offset + length - 1);
            HttpResponseMessage response;
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connect.CancelAfter(TimeSpan.FromSeconds(10));
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                errors.Add($"{address}: {ex.Message}");
                continue;
            }

            if (response.StatusCode is HttpStatusCode.PartialContent or HttpStatusCode.OK)
            {
                return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            response.Dispose();
            if (response.StatusCode == HttpStatusCode.InternalServerError && body.Contains("\"corrupt\"", StringComparison.Ordinal))
            {
                throw new CorruptException($"Node {volume.NodeId} reports file {blobId} of volume {volume.VolumeId} as corrupt.");
            }

            errors.Add($"{address}: HTTP {(int)response.StatusCode}");
        }

        throw new UnavailableException($"Could not fetch file {blobId} of volume {volume.VolumeId} from node {volume.NodeId} ({(errors.Count == 0 ? "it published no address" : string.Join("; ", errors))}).");
    }
}
