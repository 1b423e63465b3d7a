using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Hosting;

/// <summary>Where a <see cref="CompatApi"/> is being mapped: under its prefix on every listener, or at the root of its
/// own listeners.</summary>
/// <param name="Endpoints">The route group to map on.</param>
/// <param name="Path">The mount's path: the API's prefix, or <c>""</c> at the root.</param>
internal sealed record CompatMount(IEndpointRouteBuilder Endpoints, string Path)
{
    /// <summary>True at the root of the API's own listeners (its endpoints there carry no names and no API docs: the
    /// prefixed mount is the one described).</summary>
    public bool IsRoot => Path.Length == 0;

    /// <summary>What precedes the API's own path segments in a request's raw target: <c>/compat/journal/</c> or <c>/</c>.</summary>
    public string SegmentsAfter => Path + "/";
}
