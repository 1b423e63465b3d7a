using System.Text;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Modules.Extensions;
using Cairn.Server.Security;
using Cairn.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Volumes;

/// <summary>
/// The seed's Pulzar (VariDB) API, kept as its contract with its bugs fixed: <c>PUT /add_key/&lt;key&gt;[?temporal=DAYS]</c>
/// (<c>-1</c> or <c>0</c>: no expiry) → 201 "record added" (an existing key → 406 and the stored value untouched),
/// <c>GET /get_key/&lt;key&gt;</c> → the bytes, <c>DELETE /delete_key/&lt;key&gt;</c>,
/// <c>GET /third_party/search/&lt;text&gt;[?eq=|lt=|gt=mm-dd-yyyy]</c>,
/// <c>GET /third_party/&lt;app&gt;/&lt;args…&gt;</c> (extensions), <c>GET /admin/status</c>, <c>/admin/network[/&lt;node&gt;]</c>.
/// Served under <c>/compat/pulzar</c> on every listener and at the root of each <c>Pulzar:Listen</c> listener. Values
/// are blobs: the same keys as <c>/v1/blobs</c>, every value a volume file. Other modules add routes of their own
/// (<see cref="PulzarRoute"/>: the jobs' <c>launch_job</c>, <c>admin/jobs</c>, <c>cancel_job</c>).
/// </summary>
internal static class PulzarCompatEndpoints
{
    /// <summary>Where the compat API is mounted on every listener.</summary>
    public const string Prefix = "/compat/pulzar";

    private const int MaxTemporalDays = 3650;

    private static readonly string[] OwnRoutes = ["add_key", "get_key", "delete_key", "third_party", "admin"];

    /// <summary>The methods the API answers (besides <c>OPTIONS</c>): what web pages of other origins may use.</summary>
    public static readonly IReadOnlyList<string> Methods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

    /// <summary>Maps the API on <paramref name="mount"/>: one route for every path under it, dispatched on the raw
    /// segments (a key may hold any character, also an encoded slash).</summary>
    public static void Map(CompatMount mount)
    {
        var path = mount.Path;
        // Each route checks what it acts on: the blob key, the extension, the admin figures, the job's script.
        mount.Endpoints.Map("/{**rest}", (HttpContext context, BlobStore blobs) => HandleAsync(context, blobs, path)).ExcludeFromDescription()
            .AuthorizeInHandler(AuthResources.Blobs);
    }

    private static async Task HandleAsync(HttpContext context, BlobStore blobs, string mount)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsOptions(method))
        {
            // A browser's preflight never gets here (the CORS policy answers it); a plain OPTIONS is answered as the
            // original did, on any path.
            context.Response.Headers.Allow = string.Join(", ", Methods) + ", OPTIONS";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var services = context.RequestServices;
        var segments = RequestReading.SegmentsFromPath(context, mount + "/")
            ?? throw new NotFoundException($"No Pulzar route for {context.Request.Path}.");
        var route = segments.Count > 0 ? segments[0] : "";
        switch (route)
        {
            case "add_key":
                Only(context, "PUT", "POST");
                Caller.Demand(context, AuthResources.Blobs, BlobEndpoints.Write, KeyOf(segments));
                await AddAsync(context, blobs, KeyOf(segments)).ConfigureAwait(false);
                return;
            case "get_key":
                Only(context, "GET", "HEAD");
                await BlobEndpoints.ServeAsync(context, blobs, KeyOf(segments), HttpMethods.IsHead(method), forceOctetStream: true).ConfigureAwait(false);
                return;
            case "delete_key":
                Only(context, "DELETE");
                Caller.Demand(context, AuthResources.Blobs, BlobEndpoints.Write, KeyOf(segments));
                if (!await blobs.DeleteAsync(KeyOf(segments), cancellationToken: context.RequestAborted).ConfigureAwait(false))
                {
                    throw new NoSuchKeyException(KeyOf(segments));
                }

                await Text(context, StatusCodes.Status200OK, "record deleted").ConfigureAwait(false);
                return;
            case "third_party" when segments.Count >= 2 && segments[1] == "search":
                Only(context, "GET");
                Caller.DemandPrefix(context, AuthResources.Blobs, BlobEndpoints.Read, ""); // it searches every key
                await SearchAsync(context, blobs, mount, string.Join('/', segments.Skip(2))).ConfigureAwait(false);
                return;
            case "third_party" when segments.Count >= 2:
                Only(context, "GET");
                await ExtensionEndpoints.HandleAsync(context, segments[1], segments.Skip(2).ToList()).ConfigureAwait(false);
                return;
            case "admin" when segments.Count == 2 && segments[1] == "status":
                Only(context, "GET");
                Caller.Demand(context, AuthResources.Admin, AdminVolumeEndpoints.Status, null);
                await AdminVolumeEndpoints.StatusAsync(context, blobs, services.GetRequiredService<IKeyspace>()).ConfigureAwait(false);
                return;
            case "admin" when segments.Count == 2 && segments[1] == "network":
                Only(context, "GET");
                Caller.Demand(context, AuthResources.Admin, AdminVolumeEndpoints.Status, null);
                await AdminVolumeEndpoints.NetworkAsync(context, blobs).ConfigureAwait(false);
                return;
            case "admin" when segments.Count == 3 && segments[1] == "network":
                Only(context, "GET");
                Caller.Demand(context, AuthResources.Admin, AdminVolumeEndpoints.Status, null);
                await AdminVolumeEndpoints.NodeAsync(context, blobs, segments[2]).ConfigureAwait(false);
                return;
            default:
                // Routes other modules add (the jobs' launch_job, admin/jobs, cancel_job): the longest that matches. Each
                // checks what it acts on itself.
                var added = services.GetServices<PulzarRoute>()
                    .Where(r => r.Segments.Count <= segments.Count && r.Segments.Select((s, i) => s == segments[i]).All(m => m))
                    .MaxBy(r => r.Segments.Count);
                if (added is not null)
                {
                    await added.HandleAsync(context, segments.Skip(added.Segments.Count).ToList()).ConfigureAwait(false);
                    return;
                }

                var names = OwnRoutes.Concat(services.GetServices<PulzarRoute>().Select(r => string.Join('/', r.Segments)))
                    .Distinct(StringComparer.Ordinal);
                throw new NotFoundException($"No Pulzar route for {context.Request.Path} ({string.Join(", ", names)}).");
        }
    }

    private static string KeyOf(IReadOnlyList<string> segments) => BlobEndpoints.UserKey(string.Join('/', segments.Skip(1)));

    /// <summary>Refuses any method but <paramref name="methods"/> with 405 and an Allow header.</summary>
    /// <exception cref="MethodNotAllowedException">Another method.</exception>
    internal static void Only(HttpContext context, params string[] methods)
    {
        if (!methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = string.Join(", ", methods);
            throw new MethodNotAllowedException($"{context.Request.Method} is not allowed here; use {string.Join(" or ", methods)}.");
        }
    }

    private static async Task AddAsync(HttpContext context, BlobStore blobs, string key)
    {
        BlobEndpoints.AllowLargeBody(context);
        TimeSpan? ttl = null;
        if (RequestReading.Text(context, "temporal") is { } temporal)
        {
            if (!int.TryParse(temporal, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var days) || days > MaxTemporalDays)
            {
                throw new InvalidArgumentException($"'temporal' is a whole number of days up to {MaxTemporalDays}; -1 (the original's \"permanent\") or 0 means no expiry; got '{temporal}'.");
            }

            // The original's clients send -1 for "permanent" (it kept every negative for good); 0 means no expiry too.
            ttl = days > 0 ? TimeSpan.FromDays(days) : null;
        }

        try
        {
            await blobs.PutAsync(
                key,
                context.Request.Body,
                new BlobPutOptions { Ttl = ttl, IfAbsent = true, ForceFile = true, ExpectedLength = context.Request.ContentLength },
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            // The seed's answer for a key that exists: 406. Unlike the seed, the stored value is left as it was.
            await ProblemWriter.WriteAsync(context, ErrorCodes.Conflict, ex.Message, status: StatusCodes.Status406NotAcceptable).ConfigureAwait(false);
            return;
        }

        await Text(context, StatusCodes.Status201Created, "record added").ConfigureAwait(false);
    }

    private static async Task SearchAsync(HttpContext context, BlobStore blobs, string mount, string text)
    {
        if (text.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await Json.WriteAsync(context, new Dictionary<string, string> { ["err"] = "no args detected" }).ConfigureAwait(false);
            return;
        }

        var page = await blobs.QueryAsync(SearchQueries.Seed(context, text), context.RequestAborted).ConfigureAwait(false);
        var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}{mount}/get_key/";
        await Json.WriteAsync(context, new
        {
            results = page.Items.Select(i => new
            {
                key = i.Key,
                url = baseUrl + string.Join('/', i.Key.Split('/').Select(Uri.EscapeDataString)),
            }),
        }).ConfigureAwait(false);
    }

    /// <summary>Answers <paramref name="text"/> as the seed did: plain text, one line.</summary>
    internal static async Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text + "\n"), context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>
/// A route another module adds to the Pulzar API (the seed served jobs beside values): requests whose first path segments
/// are <see cref="Segments"/> go to <see cref="HandleAsync"/> with the segments after them. Registered as a singleton by
/// the module; the API looks them up only for paths its own routes do not take.
/// </summary>
/// <param name="Segments">The leading segments, e.g. <c>["launch_job"]</c> or <c>["admin", "jobs"]</c>.</param>
/// <param name="HandleAsync">Answers the request (any method; it checks its own), given the remaining raw segments,
/// each decoded.</param>
internal sealed record PulzarRoute(IReadOnlyList<string> Segments, Func<HttpContext, IReadOnlyList<string>, Task> HandleAsync);
