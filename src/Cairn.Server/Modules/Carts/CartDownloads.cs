using System.Globalization;
using Cairn.Carts;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// Serving a ready cart's tar, for the native API, the cartd API and the other nodes: from this node's volume when it
/// keeps the cart (a seekable stream of known length, so <c>Content-Length</c>, <c>Range</c>, <c>If-Range</c>,
/// <c>If-None-Match</c> and <c>HEAD</c> are answered by the framework's file result), else through
/// <see cref="CartProxy"/> from the node that keeps it.
/// </summary>
internal static class CartDownloads
{
    /// <summary>Answers with the tar of ready cart <paramref name="cart"/> under <paramref name="fileName"/> (null: the default).</summary>
    /// <exception cref="InvalidArgumentException">A bad file name.</exception>
    /// <exception cref="UnavailableException">The node that keeps the cart is not running or cannot be reached.</exception>
    public static async Task ServeAsync(HttpContext context, CartDto cart, string? fileName)
    {
        // A bad name is refused here, whichever node keeps the cart.
        _ = CartPaths.TarRoot(fileName, cart.ReadyAt ?? DateTimeOffset.UnixEpoch);
        var local = context.RequestServices.GetRequiredService<LocalCarts>();
        var location = await local.Node.LocateAsync(cart, context.RequestAborted).ConfigureAwait(false)
            ?? throw new UnavailableException($"Cart '{cart.Uid}' is kept by node {cart.Node ?? "(none)"}, which is not running; its tar can be downloaded once that node is back (or post the cart again).")
            {
                RetryAfter = TimeSpan.FromSeconds(30),
            };
        if (location.Local)
        {
            await ServeLocalAsync(context, local, cart, fileName).ConfigureAwait(false);
            return;
        }

        await context.RequestServices.GetRequiredService<CartProxy>().ServeAsync(context, cart, location, fileName).ConfigureAwait(false);
    }

    /// <summary>Answers with the tar from this node's volume.</summary>
    /// <exception cref="NotFoundException">This node does not keep the cart.</exception>
    public static async Task ServeLocalAsync(HttpContext context, LocalCarts local, CartDto cart, string? fileName)
    {
        var download = await local.Node.OpenDownloadAsync(cart, fileName, context.RequestAborted).ConfigureAwait(false);

        // The cart stays in use (never purged) until the response is done, whether it completed or the client left.
        context.Response.RegisterForDisposeAsync(download);
        var result = Results.File(
            download.Content,
            "application/x-tar",
            download.FileName,
            download.LastModified,
            EntityTagHeaderValue.Parse(download.ETag),
            enableRangeProcessing: true);
        try
        {
            await result.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (IOException) when (context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // A staged file went missing or short under the tar (it never serves other bytes in its place): some bytes
            // are out, so the only honest thing left is to break the transfer.
            context.Abort();
        }
    }

    /// <summary>The 409 of a cart that cannot be downloaded (yet): its state and message, and while it is on its way a
    /// <c>Retry-After</c> from its ETA.</summary>
    public static Task NotReadyAsync(HttpContext context, CartDto cart)
    {
        var settled = cart.State == CartStates.Error;
        var detail = settled
            ? $"Cart '{cart.Uid}' failed and cannot be downloaded: {cart.Message} (fix it with POST /v1/carts/{cart.Uid}/fix, or post it again)."
            : $"Cart '{cart.Uid}' is not ready for download: it is {cart.State} ({cart.FilesStaged} of {cart.FileCount} files staged).";
        TimeSpan? retryAfter = settled ? null : TimeSpan.FromSeconds(Math.Clamp(cart.EtaSeconds ?? 5, 1, 60));
        var details = new Dictionary<string, object?> { ["state"] = cart.State, ["message"] = cart.Message };
        return ProblemWriter.WriteAsync(context, ErrorCodes.Conflict, detail, details, retryAfter: retryAfter);
    }

    /// <summary>The <c>filename</c> query parameter, or null.</summary>
    public static string? FileName(HttpContext context) => RequestReading.Text(context, "filename");

    /// <summary>Seconds, as a header value.</summary>
    public static string Seconds(TimeSpan wait) => Durations.WholeSeconds(wait).ToString(CultureInfo.InvariantCulture);
}
