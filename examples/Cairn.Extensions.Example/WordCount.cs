using System.Text.Json.Nodes;
using Cairn.Extensions;

namespace Cairn.Extensions.Example;

/// <summary>
/// <c>GET /v1/extensions/wordcount/&lt;text&gt;/&lt;more text&gt;…[?separator=,]</c> → <c>{"arguments": n, "words": n,
/// "characters": n}</c>. Build it and copy the assembly into the extensions directory as <c>wordcount.dll</c>:
/// <c>dotnet build examples/Cairn.Extensions.Example -o /tmp/wc &amp;&amp; cp /tmp/wc/Cairn.Extensions.Example.dll extensions/wordcount.dll</c>.
/// </summary>
public sealed class WordCount : ICairnExtension
{
    /// <inheritdoc />
    public Task<JsonNode?> ExecuteAsync(ExtensionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var separators = request.Query.TryGetValue("separator", out var separator) && separator.Length > 0 ? separator.ToCharArray() : [' ', '\t', '\n'];
        var words = request.Arguments.Sum(a => a.Split(separators, StringSplitOptions.RemoveEmptyEntries).Length);
        JsonNode result = new JsonObject
        {
            ["arguments"] = request.Arguments.Count,
            ["words"] = words,
            ["characters"] = request.Arguments.Sum(a => a.Length),
        };
        return Task.FromResult<JsonNode?>(result);
    }
}
