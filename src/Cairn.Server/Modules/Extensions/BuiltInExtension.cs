using Cairn.Extensions;

using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Modules.Extensions;

/// <summary>An extension another module builds in (the volumes module's <c>search</c>): registered in the container, it
/// is added to the extension runner under <paramref name="Name"/>.</summary>
/// <param name="Name">Its name in <c>/v1/extensions/&lt;name&gt;</c> and <c>/third_party/&lt;name&gt;</c>.</param>
/// <param name="Extension">The extension.</param>
internal sealed record BuiltInExtension(string Name, ICairnExtension Extension)
{
    /// <summary>What a caller needs besides <c>extensions:call</c> on the name, for an extension that answers with what
    /// another API guards (the search lists blob keys): checked before it runs; throws to refuse.</summary>
    public Action<HttpContext>? Demand { get; init; }
}
