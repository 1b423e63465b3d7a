using Cairn.Carts;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// Serves the tar of a cart kept by another node: the request (GET or HEAD, with its <c>Range</c>, <c>If-Range</c> and
/// <c>If-None-Match</c>) goes to that node's <c>/v1/internal/carts/{uid}/tar</c> on one of the addresses it published
/// (a Unix socket first, then TCP), and the answer — status, the headers of a download, the body — is streamed back as
/// it comes. A node that cannot be reached at any address is a 503.
/// </summary>
internal sealed class CartProxy(NodeHttpClients clients)
{
    // The headers of the other node's answer that are the download's.
    private static readonly string[] ForwardedHeaders =
    [
        "Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Retry-After",
    ];

    /// <summary>Answers <paramref name="context"/> with the other node's answer for <paramref name="cart"/>.</summary>
    /// <exception cref="UnavailableException">No address of the node answered.</exception>
    public async Task ServeAsync(HttpContext context, CartDto cart, CartLocation location, string? fileName)
    {
        var errors = new List<string>();
        var query = "?cartId=" + Uri.EscapeDataString(cart.CartId) + (fileName is null ? "" : "&filename=" + Uri.EscapeDataString(fileName));
        foreach (var address in NodeHttpClients.InOrder(location.Addresses))
        {
            var (client, baseUri) = clients.For(address);
            using var request = new HttpRequestMessage(HttpMethods.IsHead(context.Request.Method) ? HttpMethod.Head : HttpMethod.Get, new Uri(baseUri, $"/v1/internal/carts/{Uri.EscapeDataString(cart.Uid)}/tar{query}"));
            foreach (var name in new[] { "Range", "If-Range", "If-None-Match", "If-Modified-Since" })
            {
                if (context.Request.Headers[name] is { Count: > 0 } values)
                {
                    request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            HttpResponseMessage response;
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                connect.CancelAfter(TimeSpan.FromSeconds(10));
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
            {
                errors.Add($"{address}: {ex.Message}");
                continue;
            }

            using (response)
            {
                await CopyAsync(context, response).ConfigureAwait(false);
            }

            return;
        }

        throw new UnavailableException($"Cart '{cart.Uid}' is kept by node {location.NodeId}, which cannot be reached ({(errors.Count == 0 ? "it published no address" : string.Join("; ", errors))}); retry later.");
    }

    private static async Task CopyAsync(HttpContext context, HttpResponseMessage response)
    {
        var target = context.Response;
        target.StatusCode = (int)response.StatusCode;
        foreach (var name in ForwardedHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                target.Headers[name] = values.ToArray();
            }
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            try
            {
                await body.CopyToAsync(target.Body, 64 * 1024, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
            {
                // The other node went away mid-body: break this transfer too, so the client sees a short download
                // (and resumes it with Range) rather than a complete-looking one.
                context.Abort();
            }
        }
    }
}
