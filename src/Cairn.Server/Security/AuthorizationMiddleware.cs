using Cairn.Contracts;
using Cairn.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Server.Security;

/// <summary>
/// Enforces each endpoint's security metadata, in one place, before its handler runs (with auth on; with it off every
/// caller is unrestricted and this does nothing):
/// <list type="bullet">
/// <item><see cref="PermissionMetadata"/>: every one the endpoint carries must be granted, on the name in its route value
/// (else on the whole resource).</item>
/// <item><see cref="AuthorizedInHandlerMetadata"/>, <see cref="AuthenticatedMetadata"/>: a caller with a credential, or
/// with a listener's anonymous role; the handler demands the rest.</item>
/// <item><c>IAllowAnonymous</c> (<c>.AllowAnonymous()</c>), with none of the above: everyone.</item>
/// <item>none of these: root only, so that nothing is open by accident.</item>
/// </list>
/// The strictest wins: an endpoint that carries a permission and <c>AllowAnonymous</c> needs the permission. A request no
/// endpoint matched (404, 405) passes through to its error. Refusals are 401 for a caller without credential, 403 for
/// one with, audited (<see cref="Caller.Refuse"/>). Administrative actions (<c>admin</c> permissions other than
/// <c>status</c>) are audited with their outcome once the handler has run, unless the handler audited them itself.
/// </summary>
internal sealed class AuthorizationMiddleware(RequestDelegate next, AccessControl access, AuditLog audit)
{
    // The endpoint routing answers a known path with a wrong method with (HttpMethodMatcherPolicy); it carries no metadata.
    private const string MethodNotAllowedEndpoint = "405 HTTP Method Not Supported";

    public Task InvokeAsync(HttpContext context)
    {
        var caller = context.Features.Get<Principal>();
        if (caller is null || !caller.IsRestricted)
        {
            return next(context);
        }

        var endpoint = context.GetEndpoint();
        if (endpoint is null || (endpoint.Metadata.Count == 0 && endpoint.DisplayName == MethodNotAllowedEndpoint))
        {
            return next(context);
        }

        var metadata = endpoint.Metadata;
        var permissions = metadata.GetOrderedMetadata<PermissionMetadata>();
        PermissionMetadata? admin = null;
        if (permissions.Count > 0)
        {
            foreach (var permission in permissions)
            {
                Check(context, caller, permission);
                if (permission.Resource == AuthResources.Admin && permission.Action != "status")
                {
                    admin = permission;
                }
            }
        }
        else if (metadata.GetMetadata<AuthorizedInHandlerMetadata>() is not null || metadata.GetMetadata<AuthenticatedMetadata>() is not null)
        {
            if (caller.Kind == PrincipalKind.Anonymous && caller.ListenerRoles.Count == 0)
            {
                audit.Write("auth.failed", null, Caller.From(context), $"{context.Request.Method} {context.Request.Path}", "failed");
                throw new UnauthenticatedException("This request needs a credential: log in (cairn login), or send a bearer token, a client certificate or a password.");
            }
        }
        else if (metadata.GetMetadata<IAllowAnonymous>() is null && !IsRoot(caller))
        {
            // No declaration at all: an endpoint nobody thought about is root's alone.
            var refusal = Caller.Refuse(context, AuthResources.Admin, "*", null);
            throw refusal is PermissionDeniedException
                ? new PermissionDeniedException(AuthResources.Admin, "*", null, $"Permission denied: {context.Request.Method} {context.Request.Path} declares no permission, so only root may use it.")
                : refusal;
        }

        return admin is null ? next(context) : AuditedAsync(context, caller, admin);
    }

    private void Check(HttpContext context, Principal caller, PermissionMetadata permission)
    {
        if (permission.NameRouteValue is null)
        {
            if (!access.Allows(caller, permission.Resource, permission.Action, null))
            {
                throw Caller.Refuse(context, permission.Resource, permission.Action, null);
            }

            return;
        }

        var name = context.Request.RouteValues[permission.NameRouteValue] as string ?? "";
        if (!access.Allows(caller, permission.Resource, permission.Action, name))
        {
            throw Caller.Refuse(context, permission.Resource, permission.Action, name);
        }

        // The server decodes every escape in the path but %2F; a handler that reads the raw path (to tell an encoded slash
        // from a separator) sees a slash there. Both readings must be allowed.
        if (name.Contains("%2F", StringComparison.OrdinalIgnoreCase))
        {
            var slashed = name.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
            if (!access.Allows(caller, permission.Resource, permission.Action, slashed))
            {
                throw Caller.Refuse(context, permission.Resource, permission.Action, slashed);
            }
        }
    }

    private bool IsRoot(Principal caller) =>
        caller.Kind == PrincipalKind.User && access.RolesOf(caller).Contains("root", StringComparer.Ordinal);

    private async Task AuditedAsync(HttpContext context, Principal caller, PermissionMetadata admin)
    {
        var what = $"{context.Request.Method} {context.Request.Path}";
        var @event = admin.Action is "snapshot" or "restore" or "compaction" ? admin.Action : "admin";
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (!AuditMark.IsAudited(context))
            {
                var status = ex is CairnException error ? ErrorCatalog.StatusFor(error.Code) : StatusCodes.Status500InternalServerError;
                audit.Write(@event, caller.Name, Caller.From(context), $"{what} -> {status}", "failed");
            }

            throw;
        }

        if (!AuditMark.IsAudited(context))
        {
            var status = context.Response.StatusCode;
            audit.Write(@event, caller.Name, Caller.From(context), $"{what} -> {status}", status < 400 ? "ok" : "failed");
        }
    }
}
