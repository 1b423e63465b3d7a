using Cairn.Server.Http;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Cairn.Server.Hosting;

/// <summary>
/// Web pages of other origins may call a compat API, as they could call its seed: the origins whose pages may
/// (<see cref="OriginAllowList.AllowsAny"/>: every origin) and the methods of the API. The host gives the API's endpoints an
/// ASP.NET Core CORS policy made of it (<see cref="Policy"/>: preflights answered with <c>204</c>,
/// <c>Access-Control-Allow-Origin</c> on every answer, errors included) and carries this record on them as endpoint
/// metadata, where <see cref="BrowserGuard"/> reads which origins to let in.
/// </summary>
/// <param name="Origins">The origins whose pages may call the API and read its answers.</param>
/// <param name="Methods">The API's methods, allowed in preflights.</param>
internal sealed record CompatCors(OriginAllowList Origins, IReadOnlyList<string> Methods)
{
    /// <summary>The CORS policy: any request header, no credentials (the API has none); with every origin allowed, the
    /// answer says <c>*</c>, else it names the page's origin.</summary>
    public CorsPolicy Policy()
    {
        var policy = new CorsPolicyBuilder().WithMethods([.. Methods]).AllowAnyHeader();
        return (Origins.AllowsAny ? policy.AllowAnyOrigin() : policy.SetIsOriginAllowed(Origins.Allows)).Build();
    }
}
