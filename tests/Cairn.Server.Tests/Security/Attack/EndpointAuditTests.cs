using System.Text.RegularExpressions;
using Cairn.Contracts;
using Cairn.Server.Hosting;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// Nothing open by accident: every endpoint of a server with every module on says what it needs (a permission, a check
/// in its handler, any caller, or explicitly none), only the documented ones need nothing, and — whatever the metadata
/// says — a request without a credential to any route, on the listener that serves it, is 401.
/// </summary>
public sealed partial class EndpointAuditTests(SqliteSecureServer server) : IClassFixture<SqliteSecureServer>
{
    /// <summary>What answers a caller without a credential: liveness, readiness, and what one needs to log in.</summary>
    private static readonly HashSet<string> Open = new(StringComparer.Ordinal) { "/livez", "/readyz", "/healthz", "/v1/auth/status", "/v1/auth/login" };

    // The listener each compat API's root mount is served on in the fixture.
    private static readonly Dictionary<string, string> CompatListeners = new(StringComparer.Ordinal)
    {
        ["journal"] = "journal-tcp",
        ["pulzar"] = "pulzar",
        ["runs"] = "runs-unix",
        ["cartd"] = "cartd",
    };

    [Fact]
    public void EveryEndpoint_SaysWhatItNeeds_AndOnlyTheDocumentedOnesNeedNothing()
    {
        var problems = new List<string>();
        foreach (var endpoint in Endpoints())
        {
            var name = Describe(endpoint);
            var metadata = endpoint.Metadata;
            var permission = metadata.GetMetadata<PermissionMetadata>();
            var inHandler = metadata.GetMetadata<AuthorizedInHandlerMetadata>();
            var authenticated = metadata.GetMetadata<AuthenticatedMetadata>();
            var anonymous = metadata.GetMetadata<IAllowAnonymous>();
            if (permission is null && inHandler is null && authenticated is null && anonymous is null)
            {
                problems.Add($"{name}: no security metadata (only root may call it)");
            }

            if (anonymous is not null && !Open.Contains(endpoint.RoutePattern.RawText ?? ""))
            {
                problems.Add($"{name}: open to callers without a credential (AllowAnonymous), and not one of {string.Join(", ", Open)}");
            }

            if (permission is not null)
            {
                if (!AuthResources.Actions.TryGetValue(permission.Resource, out var actions) || !actions.Contains(permission.Action))
                {
                    problems.Add($"{name}: requires {permission.Resource}:{permission.Action}, which is not a resource and action of AuthResources");
                }

                if (permission.NameRouteValue is { } value && endpoint.RoutePattern.GetParameter(value) is null)
                {
                    problems.Add($"{name}: takes the name from route value '{value}', which the route does not have");
                }
            }

            if (inHandler is not null && !AuthResources.Actions.ContainsKey(inHandler.Resource))
            {
                problems.Add($"{name}: checks resource '{inHandler.Resource}' in its handler, which is not a resource of AuthResources");
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} endpoints:\n" + string.Join('\n', problems));
    }

    [Fact]
    public async Task EveryRoute_WithoutACredential_Is401_OnTheListenerThatServesIt()
    {
        var failures = new List<string>();
        var sent = 0;
        foreach (var endpoint in Endpoints())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (Open.Contains(pattern))
            {
                continue;
            }

            var listener = endpoint.Metadata.GetMetadata<CompatRootMetadata>() is { } root ? CompatListeners[root.Api] : "main";
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "PUT", "DELETE"];
            foreach (var method in methods.Where(m => m != "OPTIONS"))
            {
                using var http = server.Http(Who.Anonymous, listener);
                var path = Instantiate(pattern);
                var answer = await AttackHttp.SendRawAsync(http, method, path, method is "POST" or "PUT" ? "{}" : null, "application/json");
                sent++;
                if (answer.Status != 401)
                {
                    failures.Add($"{Describe(endpoint)} on {listener}: {answer}");
                }
            }
        }

        Assert.True(sent > 100, $"only {sent} requests: the server's routes were not all found");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests without a credential were not 401:\n" + string.Join('\n', failures));
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    private static string Describe(RouteEndpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
        var root = endpoint.Metadata.GetMetadata<CompatRootMetadata>() is { } compat ? $" (root of {compat.Api}'s listeners)" : "";
        return $"{(methods is null ? "*" : string.Join(',', methods))} {endpoint.RoutePattern.RawText}{root}";
    }

    // A concrete path for a route pattern: every parameter given a plausible name under "a".
    private static string Instantiate(string pattern)
    {
        var path = Parameter().Replace(pattern, m => m.Groups["catchall"].Success ? "a/x" : m.Groups["constraint"].Value.Contains("long", StringComparison.Ordinal) || m.Groups["constraint"].Value.Contains("int", StringComparison.Ordinal) ? "1" : "a-x");
        return path.StartsWith('/') ? path : "/" + path;
    }

    [GeneratedRegex(@"\{(?<catchall>\*\*?)?(?<name>\w+)(?<constraint>:[^}?]*)?\??\}")]
    private static partial Regex Parameter();
}
