using System.Text.Json.Nodes;
using Cairn.Extensions;
using Cairn.Server.Hosting;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Volumes;

/// <summary>The seed's <c>search</c> extension, built in: <c>/v1/extensions/search/&lt;text&gt;?eq=|lt=|gt=mm-dd-yyyy</c>
/// answers <c>{"results":[{"key":…}]}</c>.</summary>
internal sealed class SearchExtension(BlobStore blobs) : ICairnExtension
{
    public async Task<JsonNode?> ExecuteAsync(ExtensionRequest request, CancellationToken cancellationToken)
    {
        if (request.Arguments.Count == 0 || request.Arguments.All(a => a.Length == 0))
        {
            return new JsonObject { ["err"] = "no args detected" };
        }

        var query = SearchQueries.Seed(name => request.Query.GetValueOrDefault(name), string.Join('/', request.Arguments));
        var page = await blobs.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["results"] = new JsonArray([.. page.Items.Select(i => (JsonNode)new JsonObject { ["key"] = i.Key, ["size"] = i.Size, ["created"] = i.Created.ToString("O") })]),
        };
    }
}
