using Cairn.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Security;

/// <summary>
/// The caller of a request, and the checks a handler makes itself when the name it acts on is not in the route
/// (<see cref="AuthorizedInHandlerMetadata"/>). The decision is <see cref="AccessControl"/>'s; a refusal is audited.
/// </summary>
internal static class Caller
{
    /// <summary>The caller the authentication middleware recognised; <see cref="Principal.Unrestricted"/> when auth is off
    /// (and in a request that never passed the middleware).</summary>
    public static Principal Of(HttpContext context) => context.Features.Get<Principal>() ?? Principal.Unrestricted;

    /// <summary>Whether the caller may do <paramref name="action"/> on <paramref name="resource"/> <paramref name="name"/>.</summary>
    public static bool Can(HttpContext context, string resource, string action, string? name)
    {
        var caller = Of(context);
        return !caller.IsRestricted || context.RequestServices.GetRequiredService<AccessControl>().Allows(caller, resource, action, name);
    }

    /// <summary>Refuses the request unless the caller may do <paramref name="action"/> on <paramref name="resource"/>
    /// <paramref name="name"/>.</summary>
    /// <exception cref="UnauthenticatedException">The caller has no credential (401).</exception>
    /// <exception cref="PermissionDeniedException">Its roles do not grant it (403); audited.</exception>
    public static void Demand(HttpContext context, string resource, string action, string? name)
    {
        if (!Can(context, resource, action, name))
        {
            throw Refuse(context, resource, action, name);
        }
    }

    /// <summary>Refuses the request unless the caller may do <paramref name="action"/> on every name of
    /// <paramref name="resource"/> starting with <paramref name="prefix"/> (a listing).</summary>
    public static void DemandPrefix(HttpContext context, string resource, string action, string prefix)
    {
        var caller = Of(context);
        if (caller.IsRestricted && !context.RequestServices.GetRequiredService<AccessControl>().AllowsPrefix(caller, resource, action, prefix))
        {
            throw Refuse(context, resource, action, prefix + "*");
        }
    }

    /// <summary>Whether the caller may do <paramref name="action"/> (<c>read</c>, <c>write</c>) on every key of
    /// <paramref name="range"/>.</summary>
    public static bool CanRange(HttpContext context, KeyRange range, string action)
    {
        var caller = Of(context);
        return !caller.IsRestricted || context.RequestServices.GetRequiredService<AccessControl>().AllowsRange(caller, range, action);
    }

    /// <summary>Refuses the request unless the caller may do <paramref name="action"/> on every key of <paramref name="range"/>
    /// (kv; a txn demands each key it touches, compares included).</summary>
    public static void DemandRange(HttpContext context, KeyRange range, string action)
    {
        if (!CanRange(context, range, action))
        {
            throw Refuse(context, Contracts.AuthResources.Kv, action, Describe(range));
        }
    }

    private static string Describe(KeyRange range) => range.Kind switch
    {
        KeyRangeKind.Single => range.Key,
        KeyRangeKind.Prefix => range.Key + "*",
        KeyRangeKind.Between => $"[{range.Key}, {range.End})",
        _ => range.Key + "…",
    };

    /// <summary>The error for a refused check: 401 for an anonymous caller (it may log in), 403 otherwise; the refusal is
    /// written to the audit log.</summary>
    public static CairnException Refuse(HttpContext context, string resource, string action, string? name)
    {
        var caller = Of(context);
        var audit = context.RequestServices.GetRequiredService<AuditLog>();
        var what = $"{context.Request.Method} {context.Request.Path} {resource}:{action}" + (name is null ? "" : $" '{name}'");
        if (caller.Kind == PrincipalKind.Anonymous && caller.ListenerRoles.Count == 0)
        {
            audit.Write("auth.failed", null, From(context), what, "failed");
            return new UnauthenticatedException("This request needs a credential: log in (cairn login), or send a bearer token, a client certificate or a password.");
        }

        audit.Write("access.denied", caller.Name, From(context), what, "denied");
        return new PermissionDeniedException(resource, action, name);
    }

    /// <summary>Where a request came from, for audit lines: <c>IP:port</c>, or <c>unix</c> with the peer's uid when known.</summary>
    public static string From(HttpContext context) =>
        context.Features.Get<PeerCredentials>() is { } peer
            ? $"unix:uid={peer.UserId}"
            : context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : "unix";
}
