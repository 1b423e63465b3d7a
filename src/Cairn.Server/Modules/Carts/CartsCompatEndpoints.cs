using System.Text;
using System.Text.Json;
using Cairn.Carts;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// pacifica-cartd's API, kept as its contract: <c>GET /</c> says it is up; <c>POST /&lt;uid&gt;</c> with
/// <c>{"fileids": [{"id", "path", "hashtype", "hashsum"}], "bundle": …}</c> → 201 <c>Cart Processing has begun</c>;
/// <c>HEAD /&lt;uid&gt;</c> → 204 with <c>X-Pacifica-Status</c> and <c>X-Pacifica-Message</c> (404 for an unknown cart,
/// 500 for a failed one, with the same headers); <c>GET /&lt;uid&gt;[?filename=]</c> → 202 <c>The cart is not ready for
/// download.</c>, 404, or the tar; <c>DELETE /&lt;uid&gt;</c> → <c>Cart Deleted Successfully</c> or 404 <c>Not Found</c>.
/// Every error is an RFC 9457 problem that also has the seed's <c>message</c>. Mounted at <c>/compat/cartd</c> on every
/// listener and at the root of each <c>Carts:Listen</c> listener. The deliberate differences from the seed are in the
/// README (schema errors 400, failed delete 500, <c>HEAD /</c> 200, a failed cart's <c>GET</c> 500, …).
/// </summary>
internal static partial class CartsCompatEndpoints
{
    /// <summary>Where the compat API is mounted on every listener.</summary>
    public const string Prefix = "/compat/cartd";

    /// <summary>The seed's answer to <c>GET /</c>.</summary>
    public const string UpAndRunning = "Pacifica Cartd Interface Up and Running";

    /// <summary>The seed's answer to a cart posted.</summary>
    public const string ProcessingBegun = "Cart Processing has begun";

    /// <summary>The seed's answer to <c>GET</c> of a cart not ready.</summary>
    public const string NotReady = "The cart is not ready for download.";

    /// <summary>The seed's answer to <c>GET</c> of an unknown cart.</summary>
    public const string NoSuchCart = "The cart does not exist or has already been deleted";

    /// <summary>The seed's answer to a cart deleted.</summary>
    public const string Deleted = "Cart Deleted Successfully";

    private const string CartMethods = "GET, HEAD, POST, DELETE";

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Delete];

    /// <summary>Maps the API on <paramref name="mount"/>, and a catch-all that refuses everything else under it with a
    /// 404 or 405 problem.</summary>
    public static void Map(CompatMount mount)
    {
        var after = mount.SegmentsAfter;
        // The root only says the API is up; a cart's handler checks read (GET, HEAD) or write (POST, DELETE) on its uid;
        // the catch-all only refuses.
        var root = mount.Endpoints.MapMethods("/", GetOrHead, (HttpContext context) => GuardAsync(context, () => RootAsync(context, after)))
            .RequireAuthenticated();
        var cart = mount.Endpoints.MapMethods("/{uid}", Methods, (HttpContext context, CartStore carts) => GuardAsync(context, () => CartAsync(context, carts, after)))
            .AuthorizeInHandler(AuthResources.Carts);
        mount.Endpoints.Map("/{**rest}", (HttpContext context) => GuardAsync(context, () => OtherAsync(context, after))).ExcludeFromDescription()
            .AuthorizeInHandler(AuthResources.Carts);
        if (!mount.IsRoot)
        {
            root.WithName("CompatCartdUp").WithTags("compat-cartd");
            cart.WithName("CompatCartd").WithTags("compat-cartd").Produces<JsonElement>(StatusCodes.Status201Created).Produces(StatusCodes.Status204NoContent)
                .Produces(StatusCodes.Status202Accepted, contentType: "text/plain").Produces(StatusCodes.Status200OK, contentType: "application/x-tar");
        }
    }

    private static async Task RootAsync(HttpContext context, string after)
    {
        if (Segments(context, after).Count != 0)
        {
            await OtherAsync(context, after).ConfigureAwait(false);
            return;
        }

        // The seed's HEAD / failed (its handler took no uid); a HEAD is the GET without its body.
        await SeedJsonAsync(context, StatusCodes.Status200OK, UpAndRunning).ConfigureAwait(false);
    }

    private static async Task CartAsync(HttpContext context, CartStore carts, string after)
    {
        var segments = Segments(context, after);
        if (segments.Count != 1)
        {
            await OtherAsync(context, after).ConfigureAwait(false);
            return;
        }

        var method = context.Request.Method;
        var reads = HttpMethods.IsHead(method) || HttpMethods.IsGet(method);
        Caller.Demand(context, AuthResources.Carts, reads ? CartEndpoints.Read : CartEndpoints.Write, segments[0]);
        if (HttpMethods.IsHead(method))
        {
            await StatusAsync(context, carts, segments[0]).ConfigureAwait(false);
        }
        else if (HttpMethods.IsGet(method))
        {
            await DownloadAsync(context, carts, CartPaths.CheckUid(segments[0])).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(method))
        {
            await CreateAsync(context, carts, CartPaths.CheckUid(segments[0])).ConfigureAwait(false);
        }
        else
        {
            await DeleteAsync(context, carts, CartPaths.CheckUid(segments[0])).ConfigureAwait(false);
        }
    }

    // Anything else under the mount: a path of another shape (404), or a method the API does not take (405).
    private static Task OtherAsync(HttpContext context, string after)
    {
        var segments = Segments(context, after);
        var method = context.Request.Method;
        if (segments.Count == 0 && !GetOrHead.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return ProblemAsync(context, ErrorCodes.MethodNotAllowed, $"{method} is not allowed on the cartd API's root; GET / says whether it is up, and carts are at /<uid>.", "Method Not Allowed");
        }

        if (segments.Count == 1 || !Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = segments.Count == 1 ? CartMethods : context.Response.Headers.Allow;
            return ProblemAsync(context, ErrorCodes.MethodNotAllowed, $"{method} is not allowed on the cartd API; a cart takes {CartMethods} at /<uid>.", "Method Not Allowed");
        }

        return ProblemAsync(context, ErrorCodes.NotFound, $"No cartd route for {method} {context.Request.Path}; a cart is at /<uid> (a uid cannot contain '/').", "Not Found");
    }

    // HEAD /<uid>: the cart's state and message as headers, as the seed's clients poll for them.
    private static async Task StatusAsync(HttpContext context, CartStore carts, string rawUid)
    {
        string uid;
        try
        {
            uid = CartPaths.CheckUid(rawUid);
        }
        catch (InvalidArgumentException ex)
        {
            SetStatusHeaders(context, CartStates.Error, ex.Message);
            throw;
        }

        var cart = await carts.GetAsync(uid, withFiles: false, context.RequestAborted).ConfigureAwait(false);
        if (cart is null)
        {
            var message = $"No cart with uid {uid} found";
            SetStatusHeaders(context, CartStates.Error, message);
            await ProblemAsync(context, ErrorCodes.NotFound, $"No cart '{uid}' (never posted, or deleted).", message).ConfigureAwait(false);
            return;
        }

        SetStatusHeaders(context, cart.State, cart.Message);
        if (cart.State == CartStates.Error)
        {
            await ProblemAsync(context, ErrorCodes.Internal, $"Cart '{uid}' failed: {cart.Message}", cart.Message).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DownloadAsync(HttpContext context, CartStore carts, string uid)
    {
        var fileName = CartDownloads.FileName(context);
        var cart = await carts.GetAsync(uid, withFiles: false, context.RequestAborted).ConfigureAwait(false);
        if (cart is null)
        {
            await ProblemAsync(context, ErrorCodes.NotFound, $"No cart '{uid}' (never posted, or deleted).", NoSuchCart).ConfigureAwait(false);
            return;
        }

        switch (cart.State)
        {
            case CartStates.Ready:
                await CartDownloads.ServeAsync(context, cart, fileName).ConfigureAwait(false);
                return;
            case CartStates.Error:
                // The seed answered 202 for ever; a failed cart says so.
                SetStatusHeaders(context, cart.State, cart.Message);
                await ProblemAsync(context, ErrorCodes.Internal, $"Cart '{uid}' failed and cannot be downloaded: {cart.Message}", cart.Message).ConfigureAwait(false);
                return;
            default:
                var body = Encoding.UTF8.GetBytes(NotReady);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                context.Response.ContentType = "text/plain; charset=utf-8";
                context.Response.ContentLength = body.Length;
                context.Response.Headers["X-Pacifica-Status"] = cart.State;
                await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
                return;
        }
    }

    private static async Task CreateAsync(HttpContext context, CartStore carts, string uid)
    {
        // The seed's README posts with `curl -X POST --upload-file foo.json`, which sends no Content-Type, and `curl -d`
        // sends a form type: both are taken, as on /v1 (a web page's text/plain or multipart is not).
        Json.RequireJsonContentType(context.Request);

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new InvalidArgumentException($"The cart is not valid JSON: {JsonErrors.Describe(ex)}");
        }

        CreateCartDto request;
        using (document)
        {
            request = SeedCart.Read(document.RootElement);
        }

        await carts.CreateAsync(uid, request, requireHashes: true, context.RequestAborted).ConfigureAwait(false);
        await SeedJsonAsync(context, StatusCodes.Status201Created, ProcessingBegun).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, CartStore carts, string uid)
    {
        bool deleted;
        try
        {
            deleted = await carts.DeleteAsync(uid, context.RequestAborted).ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex is not InvalidArgumentException)
        {
            // The seed answered a failed delete with 200 {"message": "None"}.
            await ProblemAsync(context, ErrorCodes.Internal, $"Cart '{uid}' could not be deleted: {ex.Message}", ex.Message).ConfigureAwait(false);
            return;
        }

        if (!deleted)
        {
            await ProblemAsync(context, ErrorCodes.NotFound, $"No cart '{uid}' (never posted, or deleted).", "Not Found").ConfigureAwait(false);
            return;
        }

        await SeedJsonAsync(context, StatusCodes.Status200OK, Deleted).ConfigureAwait(false);
    }

    /// <summary>Runs a handler; its errors become problems that also carry the seed's <c>message</c>.</summary>
    private static async Task GuardAsync(HttpContext context, Func<Task> handler)
    {
        try
        {
            await handler().ConfigureAwait(false);
        }
        catch (CairnException ex) when (ex is UnauthenticatedException or PermissionDeniedException)
        {
            // A refusal of the caller is the server's own answer (with its WWW-Authenticate), not the seed's.
            throw;
        }
        catch (CairnException ex)
        {
            await ProblemWriter.WriteAsync(context, ex.Code, ex.Message, Message(ex.Message, ex.Details), retryAfter: (ex as UnavailableException)?.RetryAfter).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            LogUnhandled(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn.Carts"), context.Request.Method, context.Request.Path, ex);
            await ProblemAsync(context, ErrorCodes.Internal, "The server failed to handle the request; its log has the details.", "Internal Server Error").ConfigureAwait(false);
        }
    }

    private static Dictionary<string, object?> Message(string message, IReadOnlyDictionary<string, object?>? details = null)
    {
        var all = details is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(details);
        all["message"] = message;
        return all;
    }

    private static Task ProblemAsync(HttpContext context, string code, string detail, string message) =>
        ProblemWriter.WriteAsync(context, code, detail, Message(message));

    /// <summary>The names after the mount, from the raw request target; a <c>.</c> or <c>..</c> is refused rather than
    /// resolved (on a listener's root the server would have resolved it away before routing).</summary>
    private static IReadOnlyList<string> Segments(HttpContext context, string after)
    {
        var segments = RequestReading.SegmentsFromPath(context, after) ?? [];
        if (segments.Count == 1 && segments[0].Length == 0)
        {
            return [];
        }

        return segments.Any(s => s is "." or "..")
            ? throw new InvalidArgumentException($"The path {context.Request.Path} has a '.' or '..' segment where a cart uid belongs; a uid cannot be one.")
            : segments;
    }

    // Set when the headers go out, so that they survive a problem body's clearing of the response.
    private static void SetStatusHeaders(HttpContext context, string state, string message)
    {
        var value = HeaderSafe(message);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["X-Pacifica-Status"] = state;
            context.Response.Headers["X-Pacifica-Message"] = value;
            return Task.CompletedTask;
        });
    }

    // A header value is printable ASCII on one line: anything else (a path in a message, a line break) becomes '?'.
    private static string HeaderSafe(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is >= ' ' and <= '~' ? source[i] : '?';
            }
        });

    // {"message": "…"}, spaced as the seed's Python server wrote it. A HEAD gets the same status and headers, no body.
    private static async Task SeedJsonAsync(HttpContext context, int status, string message)
    {
        var body = Encoding.UTF8.GetBytes("{\"message\": " + JsonSerializer.Serialize(message, WireJson.Options) + "}");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
