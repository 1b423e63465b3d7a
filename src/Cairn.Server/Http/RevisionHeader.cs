using System.Globalization;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Http;

/// <summary>The store revision an answer is at least as new as, in the <c>Cairn-Revision</c> header of every answer that
/// read or wrote the store.</summary>
internal static class RevisionHeader
{
    public const string Header = "Cairn-Revision";

    public static void Set(HttpContext context, long revision) =>
        context.Response.Headers[Header] = revision.ToString(CultureInfo.InvariantCulture);
}
