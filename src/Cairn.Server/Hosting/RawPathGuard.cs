using Cairn.Core;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Server.Hosting;

/// <summary>
/// Refuses a <c>.</c> or <c>..</c> segment (also percent-encoded) under the paths whose names the modules read from the
/// raw request target (<see cref="ICairnModule.RawPathPrefixes"/>). The server resolves such segments before routing, so
/// <c>/compat/journal/../begin</c> would quietly become another path; a name can never be one. Only a target with a dot
/// after a slash, or a percent sign, is looked at more closely.
/// </summary>
internal sealed class RawPathGuard(RequestDelegate next, IReadOnlyList<string> prefixes)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && (raw.Contains("/.", StringComparison.Ordinal) || raw.Contains('%', StringComparison.Ordinal)))
        {
            foreach (var prefix in prefixes)
            {
                if (RequestReading.SegmentsFromPath(context, prefix) is { } segments && segments.Any(s => s is "." or ".."))
                {
                    throw new InvalidArgumentException($"The path {context.Request.Path} has a '.' or '..' segment where a name belongs (a blob key, a journal txid or step, an extension name); a name cannot be one.");
                }
            }
        }

        return next(context);
    }
}
