using System.Text.Json.Nodes;

namespace Cairn.Extensions;

/// <summary>
/// A .NET extension: put an assembly holding exactly one public, non-abstract class that implements this interface
/// (with a public parameterless constructor) at <c>EXTDIR/&lt;name&gt;.dll</c> or <c>EXTDIR/&lt;name&gt;/&lt;name&gt;.dll</c>;
/// <c>GET /v1/extensions/&lt;name&gt;/&lt;arg1&gt;/&lt;arg2&gt;…</c> (or the Pulzar API's <c>/third_party/…</c>) then calls
/// <see cref="ExecuteAsync"/> and answers with the JSON it returns. It runs inside the server: honour the cancellation
/// token (it fires at the timeout), and throw to fail (the caller gets a 502 problem with the message).
/// </summary>
public interface ICairnExtension
{
    /// <summary>Runs the extension.</summary>
    /// <param name="request">The arguments from the URL and its query parameters.</param>
    /// <param name="cancellationToken">Fires when the caller goes away or the timeout passes.</param>
    /// <returns>The answer; null is answered as JSON <c>null</c>.</returns>
    Task<JsonNode?> ExecuteAsync(ExtensionRequest request, CancellationToken cancellationToken);
}

/// <summary>What an extension is called with.</summary>
/// <param name="Name">The extension's name.</param>
/// <param name="Arguments">The URL's path segments after the name, percent-decoded (an encoded <c>/</c> stays in its argument).</param>
/// <param name="Query">The URL's query parameters (the last value of a repeated one).</param>
public sealed record ExtensionRequest(string Name, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Query);
