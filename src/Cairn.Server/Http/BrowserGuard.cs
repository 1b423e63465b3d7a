using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Http;

/// <summary>
/// Keeps web pages of other origins out (settings <see cref="HttpOptions"/>): without authentication any page could use the
/// server, and with it a page could ride on the credentials a browser sends by itself (HTTP basic, a client
/// certificate). A browser marks what a
/// page sends: <c>Origin</c> on every request but a same-origin GET or HEAD (and on every WebSocket handshake), and
/// <c>Sec-Fetch-Site</c> even on no-cors requests such as <c>&lt;img src=…&gt;</c>, which carry no <c>Origin</c>. A request
/// whose <c>Origin</c> is not the server's own (<c>scheme://Host</c>) nor in <c>Http:AllowedOrigins</c> (<c>null</c> is
/// another origin), or that is marked <c>cross-site</c> or <c>same-site</c> without an allowed origin, is refused with a
/// 403 problem before anything else reads it; so is a <c>Host</c> that <see cref="HostAllowList"/> refuses. Clients that
/// are not browsers send none of these marks. The one exception is a compat API that its seed's contract opens to pages
/// of other origins (<see cref="CompatApi.Cors"/>, the Pulzar API): on its endpoints the origins of its own list get in
/// too, and the CORS policy that follows this guard answers them. While auth is on, that list's <c>*</c> lets no page in:
/// only the origins it names do, so that a page of any origin cannot send requests with the browser's stored credentials.
/// </summary>
internal sealed class BrowserGuard(RequestDelegate next, OriginAllowList origins, HostAllowList hosts, AccessControl access)
{
    private const string SecFetchPrefix = "Sec-Fetch-";

    public Task InvokeAsync(HttpContext context)
    {
        if (hosts.Refusal(context) is { } badHost)
        {
            throw new ForbiddenException(badHost);
        }

        // Routing has run: an endpoint of an API open to other origins carries their list.
        var authenticated = access.Enabled;
        var refusal = Refusal(context.Request, origins, authenticated);
        if (refusal is not null && context.GetEndpoint()?.Metadata.GetMetadata<CompatCors>() is { } open)
        {
            refusal = Refusal(context.Request, authenticated ? open.Origins.Named() : open.Origins, authenticated);
            if (refusal is not null && authenticated && open.Origins.AllowsAny)
            {
                refusal += $" ({open.Origins.Setting} holds *, which lets pages of every origin in only while auth is off; with auth on, name the origins.)";
            }
        }

        if (refusal is not null)
        {
            throw new ForbiddenException(refusal);
        }

        return next(context);
    }

    /// <summary>True when a browser marked <paramref name="request"/> as sent by a page (<c>Origin</c>, any
    /// <c>Sec-Fetch-*</c> header); curl, the CLI and the other clients send neither.</summary>
    public static bool IsFromBrowser(HttpRequest request)
    {
        if (request.Headers.Origin.Count > 0)
        {
            return true;
        }

        foreach (var name in request.Headers.Keys)
        {
            if (name.StartsWith(SecFetchPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Refusal(HttpRequest request, OriginAllowList origins, bool authenticated)
    {
        var why = authenticated ? "" : " (it has no authentication)";
        var allowed = origins.AllowsAny;
        var origin = request.Headers.Origin;
        if (origin.Count > 0)
        {
            var value = origin.ToString();
            allowed = origins.Allows(value);
            if (!allowed && !IsOwnOrigin(request, value))
            {
                return $"Web pages of other origins may not use this server{why}: Origin '{value}' is not {OwnOrigin(request)}. To let pages of that origin in, add it to {origins.Setting}.";
            }
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (!allowed && (site.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || site.Equals("same-site", StringComparison.OrdinalIgnoreCase)))
        {
            return $"Web pages of other origins may not use this server{why}, and the browser marked this request as sent by one (Sec-Fetch-Site: {site}). Open the URL directly, or add the page's origin to {origins.Setting}.";
        }

        return null;
    }

    private static string OwnOrigin(HttpRequest request) => request.Scheme + "://" + request.Host;

    private static bool IsOwnOrigin(HttpRequest request, string origin) =>
        request.Host.HasValue
        && OriginAllowList.Canonical(origin) is { } canonical
        && canonical == OriginAllowList.Canonical(OwnOrigin(request));
}
