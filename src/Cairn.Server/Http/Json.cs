using System.Text.Json;
using Cairn.Contracts;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

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

    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        var body = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, WireJson.Options, context.RequestAborted).ConfigureAwait(false);
        return body ?? throw new Core.InvalidArgumentException("The request body is empty; send a JSON object.");
    }
}
