using Cairn.Contracts;
using Cairn.Core;
using Cairn.Extensions;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Modules.Extensions;

/// <summary><c>GET /v1/extensions/{name}/{args…}</c>: runs an extension and answers with its JSON.</summary>
internal static class ExtensionEndpoints
{
    public const string Prefix = "/v1/extensions/";

    /// <summary>The action that runs an extension.</summary>
    public const string Call = "call";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Prefix + "{**rest}", (HttpContext context) =>
        {
            var segments = RequestReading.SegmentsFromPath(context, Prefix) ?? [];
            if (segments.Count == 0 || segments[0].Length == 0)
            {
                throw new InvalidArgumentException("Name the extension: /v1/extensions/<name>/<arg1>/<arg2>…");
            }

            return HandleAsync(context, segments[0], segments.Skip(1).ToList());
        }).WithName("Extension").WithTags("extensions").AuthorizeInHandler(AuthResources.Extensions); // the name is read from the raw target

    /// <summary>Runs <paramref name="name"/> with <paramref name="arguments"/> and the request's query; writes its JSON.</summary>
    /// <exception cref="UnauthenticatedException">The caller has no credential.</exception>
    /// <exception cref="PermissionDeniedException">It may not call the extension (<c>extensions:call</c> on its name), or
    /// not read what a built-in one reads (<see cref="BuiltInExtension.Demand"/>).</exception>
    public static async Task HandleAsync(HttpContext context, string name, IReadOnlyList<string> arguments)
    {
        Caller.Demand(context, AuthResources.Extensions, Call, name);
        foreach (var builtIn in context.RequestServices.GetServices<BuiltInExtension>())
        {
            if (builtIn.Name == name)
            {
                builtIn.Demand?.Invoke(context);
            }
        }

        var runner = context.RequestServices.GetRequiredService<ExtensionRunner>();
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.LastOrDefault() ?? "", StringComparer.Ordinal);
        var json = await runner.RunAsync(name, arguments, query, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }
}
