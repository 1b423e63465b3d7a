using Microsoft.AspNetCore.Builder;

namespace Cairn.Server.Security;

/// <summary>How an endpoint (or a group of them) declares what it needs; the middleware enforces it in one place.</summary>
internal static class SecurityEndpoints
{
    /// <summary>Requires <paramref name="action"/> on <paramref name="resource"/>, on the name in route value
    /// <paramref name="nameRouteValue"/> when given (else on the whole resource).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string resource, string action, string? nameRouteValue = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PermissionMetadata(resource, action, nameRouteValue));

    /// <summary>The handler demands the permission itself (<see cref="Caller.Demand"/>); the middleware requires a caller.</summary>
    public static TBuilder AuthorizeInHandler<TBuilder>(this TBuilder builder, string resource)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuthorizedInHandlerMetadata(resource));

    /// <summary>Any authenticated caller.</summary>
    public static TBuilder RequireAuthenticated<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuthenticatedMetadata());
}
