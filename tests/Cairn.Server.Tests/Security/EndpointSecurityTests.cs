using Cairn.Contracts;
using Cairn.Server.Hosting;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cairn.Server.Tests.Security;

/// <summary>
/// Nothing is open by accident: every endpoint of a server with every module and every compat listener on says what it
/// needs, in exactly one way; only the probes and the login routes are open to anonymous callers; every permission names
/// a resource and action that exist, on a route value that the route has; an API's routes at the root of its own
/// listeners need what its prefixed routes need; and <c>docs/security-endpoints.md</c> lists every route with what it needs.
/// </summary>
public sealed class EndpointSecurityTests(AllModulesServerFixture server, ITestOutputHelper output) : IClassFixture<AllModulesServerFixture>
{
    /// <summary>The routes anyone may call with auth on: the probes, and what a caller needs to log in.</summary>
    private static readonly HashSet<string> OpenRoutes = new(StringComparer.Ordinal) { "/livez", "/healthz", "/readyz", "/v1/auth/status", "/v1/auth/login", "/etcdserverpb.Auth/Authenticate", "/etcdserverpb.Auth/AuthStatus" };

    private IReadOnlyList<RouteEndpoint> Endpoints =>
        server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    [Fact]
    public void EveryEndpoint_SaysWhatItNeeds_InExactlyOneWay()
    {
        var endpoints = Endpoints;
        Assert.True(endpoints.Count > 100, $"only {endpoints.Count} endpoints: are the modules and compat listeners on?");
        var wrong = endpoints
            .Select(e => (Endpoint: e, Kinds: Kinds(e)))
            .Where(x => x.Kinds.Count != 1)
            .Select(x => $"{Describe(x.Endpoint)}: {(x.Kinds.Count == 0 ? "no security metadata" : string.Join(" + ", x.Kinds))}")
            .ToList();

        Assert.True(wrong.Count == 0, "Endpoints without exactly one kind of security metadata:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void OnlyTheProbesAndLogin_AreOpenToAnonymousCallers()
    {
        var open = Endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.RoutePattern.RawText ?? "").ToHashSet(StringComparer.Ordinal);

        Assert.Empty(open.Except(OpenRoutes).Order(StringComparer.Ordinal));
        Assert.Contains("/livez", open);
        Assert.Contains("/readyz", open);
    }

    [Fact]
    public void EveryPermission_NamesAResourceAndActionThatExist_OnARouteValueOfItsRoute()
    {
        var wrong = new List<string>();
        foreach (var endpoint in Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<PermissionMetadata>() is { } permission)
            {
                if (!AuthResources.Actions.TryGetValue(permission.Resource, out var actions) || !actions.Contains(permission.Action))
                {
                    wrong.Add($"{Describe(endpoint)}: {permission.Resource}:{permission.Action} is not in AuthResources");
                }

                if (permission.NameRouteValue is { } name && endpoint.RoutePattern.GetParameter(name) is null)
                {
                    wrong.Add($"{Describe(endpoint)}: its route has no '{name}'");
                }

                if (permission.NameRouteValue is not null && AuthResources.Unnamed.Contains(permission.Resource))
                {
                    wrong.Add($"{Describe(endpoint)}: {permission.Resource} takes no name");
                }
            }

            if (endpoint.Metadata.GetMetadata<AuthorizedInHandlerMetadata>() is { } handler && !AuthResources.Actions.ContainsKey(handler.Resource))
            {
                wrong.Add($"{Describe(endpoint)}: {handler.Resource} is not in AuthResources");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void ACompatApiAtTheRootOfItsListener_NeedsWhatItNeedsUnderItsPrefix()
    {
        var endpoints = Endpoints;
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["journal"] = "/compat/journal",
            ["pulzar"] = "/compat/pulzar",
            ["runs"] = "/compat/runs",
            ["cartd"] = "/compat/cartd",
        };
        var roots = endpoints.Where(e => e.Metadata.GetMetadata<CompatRootMetadata>() is not null).ToList();
        Assert.Equal(prefixes.Keys.Order(StringComparer.Ordinal), roots.Select(e => e.Metadata.GetMetadata<CompatRootMetadata>()!.Api).Distinct().Order(StringComparer.Ordinal));

        var byRoute = endpoints.Where(e => e.Metadata.GetMetadata<CompatRootMetadata>() is null)
            .GroupBy(Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(Needs).Single(), StringComparer.Ordinal);
        foreach (var root in roots)
        {
            var prefix = prefixes[root.Metadata.GetMetadata<CompatRootMetadata>()!.Api];
            var twin = Methods(root) + " " + prefix + Normalize(root.RoutePattern.RawText);
            Assert.True(byRoute.TryGetValue(twin, out var needs), $"{Describe(root)} has no twin {twin} under the prefix");
            Assert.Equal(needs, Needs(root));
        }
    }

    [Fact]
    public void TheEndpointTable_ListsEveryRoute_WithWhatItNeeds()
    {
        var actual = Endpoints.Where(e => e.Metadata.GetMetadata<CompatRootMetadata>() is null)
            .Select(e => $"`{Key(e)}` | {Needs(e)}")
            .ToHashSet(StringComparer.Ordinal);
        var path = Path.Combine(VolumeServerFixture.RepoRoot, "docs", "security-endpoints.md");
        var documented = File.ReadLines(path)
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split(" | ", 3))
            .Select(cells => cells[0][2..] + " | " + cells[1])
            .ToHashSet(StringComparer.Ordinal);

        // Printed so that a new route's row can be copied into the table.
        foreach (var row in actual.Except(documented).Order(StringComparer.Ordinal))
        {
            output.WriteLine($"| {row} | |");
        }

        Assert.Empty(actual.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(actual).Order(StringComparer.Ordinal));
    }

    /// <summary>The kinds of security metadata an endpoint carries.</summary>
    private static List<string> Kinds(Endpoint endpoint)
    {
        var kinds = new List<string>();
        kinds.AddRange(endpoint.Metadata.GetOrderedMetadata<PermissionMetadata>().Select(p => $"{p.Resource}:{p.Action}"));
        kinds.AddRange(endpoint.Metadata.GetOrderedMetadata<AuthorizedInHandlerMetadata>().Select(h => $"in-handler {h.Resource}"));
        kinds.AddRange(endpoint.Metadata.GetOrderedMetadata<AuthenticatedMetadata>().Select(_ => "authenticated"));
        kinds.AddRange(endpoint.Metadata.GetOrderedMetadata<IAllowAnonymous>().Select(_ => "anonymous"));
        return kinds;
    }

    /// <summary>What an endpoint needs, as the table's second column says it.</summary>
    private static string Needs(Endpoint endpoint) => endpoint.Metadata switch
    {
        var m when m.GetMetadata<PermissionMetadata>() is { } p => $"{p.Resource}:{p.Action}" + (p.NameRouteValue is { } name ? $" on {{{name}}}" : " (all)"),
        var m when m.GetMetadata<AuthorizedInHandlerMetadata>() is { } h => $"{h.Resource}, checked in handler",
        var m when m.GetMetadata<AuthenticatedMetadata>() is not null => "any caller",
        var m when m.GetMetadata<IAllowAnonymous>() is not null => "anyone",
        _ => "root only",
    };

    private static string Key(RouteEndpoint endpoint) => Methods(endpoint) + " " + Normalize(endpoint.RoutePattern.RawText);

    private static string Methods(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 } methods ? string.Join(',', methods.HttpMethods) : "ANY";

    // A route of a group mounted at "/" reads "//x" or "/x"; both are "/x".
    private static string Normalize(string? pattern) => "/" + (pattern ?? "").TrimStart('/');

    private static string Describe(RouteEndpoint endpoint) =>
        $"{Key(endpoint)}" + (endpoint.Metadata.GetMetadata<CompatRootMetadata>() is { } root ? $" (root of the {root.Api} listeners)" : "");
}
