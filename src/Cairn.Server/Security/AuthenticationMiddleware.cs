using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Security;

/// <summary>
/// Says who sent each request (<see cref="Principal"/>, set as a request feature; <see cref="Caller.Of"/> reads it). With
/// auth off it does nothing at all: every caller is <see cref="Principal.Unrestricted"/>. With auth on, the first of
/// these that the request carries decides: <c>Authorization: Bearer</c> (a login session, an API token or the node
/// credential), <c>Authorization: Basic</c> (user and password, throttled), a TLS client certificate (its subject's CN
/// names the user), the Unix socket peer's uid (<see cref="UnixPeerUsers"/>); else the caller is anonymous, with the
/// listener's anonymous role if one is configured. A credential that is sent but not valid is a 401 at once (an invalid
/// bearer token even when other credentials would do), audited. While the request runs, the credential's revocation
/// aborts it, so an open stream ends as soon as its token is revoked or its user removed.
/// </summary>
internal sealed class AuthenticationMiddleware
{
    private readonly RequestDelegate _next;
    private readonly AccessControl _access;
    private readonly UnixPeerUsers _peers;
    private readonly LoginThrottle _throttle;
    private readonly AuditLog _audit;
    private readonly IReadOnlyList<string>? _anonymousRoles;
    private readonly Dictionary<string, IReadOnlyList<string>> _listenerRoles;

    public AuthenticationMiddleware(RequestDelegate next, AccessControl access, AuthSettings settings, UnixPeerUsers peers, LoginThrottle throttle, AuditLog audit)
    {
        _next = next;
        _access = access;
        _peers = peers;
        _throttle = throttle;
        _audit = audit;
        _anonymousRoles = settings.Options.AnonymousRole is { } role ? [role] : null;
        _listenerRoles = settings.Options.ListenerRoles.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)[r.Value], StringComparer.Ordinal);
    }

    public Task InvokeAsync(HttpContext context) =>
        _access.Enabled ? AuthenticatedAsync(context) : _next(context);

    private async Task AuthenticatedAsync(HttpContext context)
    {
        var principal = await AuthenticateAsync(context).ConfigureAwait(false);
        context.Features.Set(principal);
        if (!principal.Revoked.CanBeCanceled)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        if (principal.Revoked.IsCancellationRequested)
        {
            throw Failed(context, principal.Name, principal.Via, "The credential was revoked or has expired; log in again.");
        }

        // A revoked credential ends what it is doing: a watch stream, a long download. Aborting resets the connection.
        var abort = new AbortOnRevoke(principal.Revoked.UnsafeRegister(static state => ((HttpContext)state!).Abort(), context));
        context.Features.Set(abort);
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            abort.Dispose();
        }
    }

    /// <summary>Lets the request finish even if its credential is revoked from now on: for a change to the auth settings
    /// that may revoke the caller's own credential (logout, a new password, disabling auth), whose answer must still
    /// reach it.</summary>
    public static void KeepOnRevoke(HttpContext context) => context.Features.Get<AbortOnRevoke>()?.Dispose();

    private async ValueTask<Principal> AuthenticateAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            return await FromHeaderAsync(context, authorization).ConfigureAwait(false);
        }

        // etcd's clients send the token of the etcd API's Authenticate as the gRPC metadata "token".
        if (EtcdApi.EtcdErrors.IsGrpc(context.Request) && context.Request.Headers["token"] is { Count: 1 } etcdToken)
        {
            return FromBearer(context, etcdToken[0] ?? "");
        }

        if (context.Connection.ClientCertificate is { } certificate)
        {
            var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            return (string.IsNullOrEmpty(name) ? null : _access.ForUser(name, "certificate"))
                ?? throw Failed(context, name, "certificate", $"The client certificate's subject ('{certificate.Subject}') names no user of this server; an administrator adds the user (cairn user add) or you log in.");
        }

        if (context.Features.Get<PeerCredentials>() is { } peer && _peers.UserOf(peer) is { } user && _access.ForUser(user, "peer") is { } local)
        {
            return local;
        }

        return Anonymous(context);
    }

    private Principal FromBearer(HttpContext context, string token) =>
        _access.Authenticate(token)
            ?? throw Failed(context, null, "bearer", "The bearer token is not valid: unknown, expired, revoked or malformed. Log in again (cairn login) or use another token.");

    private async ValueTask<Principal> FromHeaderAsync(HttpContext context, Microsoft.Extensions.Primitives.StringValues authorization)
    {
        if (authorization.Count > 1)
        {
            throw Failed(context, null, "header", "The request has more than one Authorization header; send one.");
        }

        var value = authorization[0] ?? "";
        if (Credential(value, "Bearer") is { } token)
        {
            return FromBearer(context, token);
        }

        if (Credential(value, "Basic") is { } basic)
        {
            var (user, password) = DecodeBasic(basic) ?? throw Failed(context, null, "basic", "The Basic credentials are not base64 of user:password in UTF-8.");
            return await _throttle.CheckAsync(context, user, password, "basic").ConfigureAwait(false)
                ?? throw new UnauthenticatedException("Wrong user name or password.");
        }

        var scheme = value.Split(' ', 2)[0];
        throw Failed(context, null, "header", $"The Authorization scheme '{(scheme.Length > 20 ? scheme[..20] + "…" : scheme)}' is not understood; send Bearer <token> or Basic <user:password>.");
    }

    // The credential after "<scheme> " (the scheme in any case, as RFC 9110 says); null for another scheme.
    private static string? Credential(string header, string scheme) =>
        header.Length > scheme.Length && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header[scheme.Length] == ' '
            ? header[(scheme.Length + 1)..].Trim()
            : null;

    private static (string User, string Password)? DecodeBasic(string encoded)
    {
        var bytes = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? null : (text[..colon], text[(colon + 1)..]);
    }

    // No credential: the listener's anonymous role (a compat API's own listener, or the /v1 listeners), if it has one.
    private Principal Anonymous(HttpContext context)
    {
        var roles = context.Features.Get<CompatListenerFeature>() is { } compat
            ? _listenerRoles.GetValueOrDefault(compat.Api)
            : _anonymousRoles;
        return roles is null ? Principal.Anonymous : _access.ForListener(roles);
    }

    private UnauthenticatedException Failed(HttpContext context, string? who, string how, string message)
    {
        _audit.Write("auth.failed", who, Caller.From(context), $"{context.Request.Method} {context.Request.Path} via {how}", "failed");
        return new UnauthenticatedException(message);
    }
}
