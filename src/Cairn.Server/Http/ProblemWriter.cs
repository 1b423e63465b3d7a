using System.Text.Json;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Http;

/// <summary>The one place errors become RFC 9457 problem details.</summary>
internal static class ProblemWriter
{
    // A problem is a dictionary of its members, written as given; only the escaping is Cairn's (readable text).
    private static readonly JsonSerializerOptions ProblemJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpContext context, CairnException error) =>
        WriteAsync(context, error.Code, error.Message, error.Details, retryAfter: error switch
        {
            UnavailableException unavailable => unavailable.RetryAfter,
            TooManyRequestsException tooMany => tooMany.RetryAfter,
            _ => null,
        });

    public static async Task WriteAsync(HttpContext context, string code, string detail, IReadOnlyDictionary<string, object?>? details = null, int? status = null, TimeSpan? retryAfter = null)
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

        // Headers that belong to the error itself survive the clearing: Allow (405), Content-Range (416).
        var allow = context.Response.Headers.Allow;
        var contentRange = context.Response.Headers.ContentRange;
        context.Response.Clear();
        context.Response.Headers.Allow = allow;
        context.Response.Headers.ContentRange = contentRange;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Durations.WholeSeconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (statusCode == StatusCodes.Status401Unauthorized)
        {
            // Says how to authenticate (RFC 9110); Bearer, not Basic, so that a browser does not pop up a password dialog.
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"cairn\"";
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, ProblemJson, context.RequestAborted).ConfigureAwait(false);
    }
}
