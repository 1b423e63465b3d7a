using Cairn.Core;
using Cairn.Extensions;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Extensions;

/// <summary><c>GET /v1/extensions/{name}/{args…}</c>: runs an extension and answers with its JSON.</summary>
internal static class ExtensionEndpoints
{
    public const string Prefix = "/v1/extensions/";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Prefix + "{**rest}", (HttpContext context) =>
        {
            var segments = RequestReading.SegmentsFromPath(context, Prefix) ?? [];
            if (segments.Count == 0 || segments[0].Length == 0)
            {
                throw new InvalidArgumentException("Name the extension: /v1/extensions/<name>/<arg1>/<arg2>…");
            }

            return HandleAsync(context, segments[0], segments.Skip(1).ToList());
        }).WithName("Extension").WithTags("extensions");

    /// <summary>Runs <paramref name="name"/> with <paramref name="arguments"/> and the request's query; writes its JSON.</summary>
    public static async Task HandleAsync(HttpContext context, string name, IReadOnlyList<string> arguments)
    {
        var runner = context.RequestServices.GetRequiredService<ExtensionRunner>();
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.LastOrDefault() ?? "", StringComparer.Ordinal);
        var json = await runner.RunAsync(name, arguments, query, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }
}
