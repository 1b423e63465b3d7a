using System.Text.Json;
using Cairn.Contracts;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Http;

/// <summary>Writes and reads bodies in Cairn's wire JSON.</summary>
internal static class Json
{
    public static Task WriteAsync<T>(HttpContext context, T body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, WireJson.Options, context.RequestAborted);
    }

    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        var body = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, WireJson.Options, context.RequestAborted).ConfigureAwait(false);
        return body ?? throw new Core.InvalidArgumentException("The request body is empty; send a JSON object.");
    }
}
