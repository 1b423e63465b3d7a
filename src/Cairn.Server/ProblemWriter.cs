using System.Text.Json;
using Cairn.Core;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server;

/// <summary>The one place errors become RFC 9457 problem details.</summary>
internal static class ProblemWriter
{
    public static Task WriteAsync(HttpContext context, CairnException error) =>
        WriteAsync(context, error.Code, error.Message, error.Details);

    public static async Task WriteAsync(HttpContext context, string code, string detail, IReadOnlyDictionary<string, object?>? details = null, int? status = null)
    {
        var statusCode = status ?? ErrorCatalog.StatusFor(code);
        var problem = new Dictionary<string, object?>
        {
            ["type"] = "urn:cairn:error:" + code,
            ["title"] = ErrorCatalog.TitleFor(code),
            ["status"] = statusCode,
            ["detail"] = detail,
            ["code"] = code,
            ["instance"] = context.Request.Path.Value,
        };
        if (details is not null)
        {
            foreach (var (name, value) in details)
            {
                problem[name] = value;
            }
        }

        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }
}
