using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Cairn.Server.Hosting;

/// <summary>
/// Routing by listener, inside the routing table: a connection accepted on a compat API's own listener (marked with a
/// <see cref="CompatListenerFeature"/>) matches only that API's root endpoints, and any other connection only endpoints
/// without <see cref="CompatRootMetadata"/>. It is a node of the routing DFA, like host matching, and runs before the
/// HTTP method is matched, so a wrong method on the <c>/v1</c> API still gets its 405. When no compat API has listeners,
/// there are no root endpoints and the policy does not apply at all.
/// </summary>
internal sealed class CompatListenerPolicy : MatcherPolicy, INodeBuilderPolicy
{
    // The state of the edge of connections that came in on no compat listener.
    private const string Ordinary = "";

    // Before the HTTP method policy (-1000): listeners partition the table first.
    public override int Order => -2000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<CompatRootMetadata>() is not null);

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints) =>
        [.. endpoints
            .GroupBy(e => e.Metadata.GetMetadata<CompatRootMetadata>()?.Api ?? Ordinary, StringComparer.Ordinal)
            .Select(g => new PolicyNodeEdge(g.Key, [.. g]))];

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges) =>
        new Table(exitDestination, edges.ToDictionary(e => (string)e.State, e => e.Destination, StringComparer.Ordinal));

    private sealed class Table(int exitDestination, Dictionary<string, int> destinations) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) =>
            destinations.TryGetValue(httpContext.Features.Get<CompatListenerFeature>()?.Api ?? Ordinary, out var destination)
                ? destination
                : exitDestination;
    }
}
