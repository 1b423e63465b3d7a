using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Http;

/// <summary>Writes and reads bodies in Cairn's wire JSON.</summary>
internal static class Json
{
    public static async Task WriteAsync<T>(HttpContext context, T body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        try
        {
            await JsonSerializer.SerializeAsync(context.Response.Body, body, WireJson.Options, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            // The error map reads a JsonException as a request body that is not JSON (400); an answer that cannot be
            // written is the server's failure.
            throw new InvalidOperationException($"The answer ({typeof(T).Name}) could not be written as JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the body as a <typeparamref name="T"/>, once <see cref="RequireJsonContentType"/> let it in.</summary>
    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        RequireJsonContentType(context.Request);
        var body = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, WireJson.Options, context.RequestAborted).ConfigureAwait(false);
        return body ?? throw new InvalidArgumentException("The request body is empty; send a JSON object.");
    }

    /// <summary>
    /// Refuses with 415 a JSON body sent as another media type. <c>application/json</c>, <c>application/*+json</c> and no
    /// Content-Type are JSON. <c>text/plain</c>, <c>multipart/form-data</c> and <c>application/x-www-form-urlencoded</c>
    /// are the types a web page may send to another origin without asking first, so they are what a hostile page would
    /// use; only <c>application/x-www-form-urlencoded</c> is taken, and only from a client that is not a browser, because
    /// <c>curl -d '{…}'</c> sends it.
    /// </summary>
    /// <exception cref="UnsupportedMediaTypeException">The body is declared as something else.</exception>
    public static void RequireJsonContentType(HttpRequest request)
    {
        var declared = request.ContentType;
        if (string.IsNullOrWhiteSpace(declared))
        {
            return;
        }

        if (MediaTypeHeaderValue.TryParse(declared, out var media))
        {
            var type = media.MediaType;
            if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
            {
                return;
            }

            if (type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                if (!BrowserGuard.IsFromBrowser(request))
                {
                    return;
                }

                throw new UnsupportedMediaTypeException("This endpoint reads a JSON body; a web page must send it as Content-Type: application/json (application/x-www-form-urlencoded is taken only from clients such as curl -d).");
            }
        }

        throw new UnsupportedMediaTypeException($"This endpoint reads a JSON body; send it as Content-Type: application/json (got '{declared}').");
    }
}
