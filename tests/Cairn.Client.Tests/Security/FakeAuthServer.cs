using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Cairn.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Client.Tests.Security;

/// <summary>
/// A stand-in for the server's <c>/v1/auth</c> API, on real TCP, that records the <c>Authorization</c> header of every
/// request and lets a test end sessions at will: what the client sends, and when it logs in, is then exact. (The same
/// behaviours against the real server are in <see cref="ClientAuthTests"/>.)
/// </summary>
internal sealed class FakeAuthServer : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "s3cret";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string?> _seen = new();
    private int _logins;

    private FakeAuthServer(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    /// <summary>Logins that succeeded.</summary>
    public int Logins => Volatile.Read(ref _logins);

    /// <summary>The Authorization header of every request but logins, in order (null when there was none).</summary>
    public IReadOnlyList<string?> Seen => [.. _seen];

    /// <summary>Starts one on a free loopback port, speaking HTTP/2 in cleartext as Cairn's server does (the client's
    /// default), or, with <paramref name="http2"/> false, only HTTP/1.1 as a plain proxy would.</summary>
    public static async Task<FakeAuthServer> StartAsync(bool http2 = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        var app = builder.Build();
        var server = new FakeAuthServer(app);
        server.Map(app);
        await app.StartAsync();
        server.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    /// <summary>Makes <paramref name="token"/> valid for <paramref name="user"/> (an API token, say).</summary>
    public void Accept(string token, string user) => _tokens[token] = user;

    /// <summary>Ends every session and token, as an expiry or a password change would.</summary>
    public void EndAll() => _tokens.Clear();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private void Map(WebApplication app)
    {
        app.MapPost("/v1/auth/login", async (HttpContext context) =>
        {
            var login = await JsonSerializer.DeserializeAsync<LoginDto>(context.Request.Body, WireJson.Options);
            if (context.Request.Headers.Authorization.Count > 0)
            {
                // A login carries no other credential.
                return Problem(HttpStatusCode.BadRequest, "invalid_argument", "A login must not carry a credential.");
            }

            if (login is not { User: User, Password: Password })
            {
                return Problem(HttpStatusCode.Unauthorized, "unauthenticated", "Wrong user name or password.");
            }

            var n = Interlocked.Increment(ref _logins);
            var token = $"cairn_login{n}";
            _tokens[token] = User;
            return Results.Json(new TokenResultDto { Token = token, Id = $"login{n}", User = User, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) }, WireJson.Options);
        });
        app.MapGet("/v1/auth/status", (HttpContext context) =>
            Caller(context) is { } user
                ? Results.Json(new AuthStatusDto { Enabled = true, User = user, Via = "token" }, WireJson.Options)
                : Refused());
        app.MapPost("/v1/auth/users", async (HttpContext context) =>
        {
            if (Caller(context) is null)
            {
                return Refused();
            }

            var user = await JsonSerializer.DeserializeAsync<CreateUserDto>(context.Request.Body, WireJson.Options);
            return Results.Json(new UserDto { Name = user!.Name, HasPassword = user.Password is not null }, WireJson.Options, statusCode: 201);
        });
        app.MapPost("/v1/auth/logout", (HttpContext context) =>
        {
            if (Caller(context) is null)
            {
                return Refused();
            }

            _tokens.TryRemove(Bearer(context)!, out _);
            return Results.NoContent();
        });
    }

    private static string? Bearer(HttpContext context) =>
        context.Request.Headers.Authorization.ToString() is { Length: > 7 } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;

    private string? Caller(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        _seen.Enqueue(header.Length == 0 ? null : header);
        return Bearer(context) is { } token && _tokens.TryGetValue(token, out var user) ? user : null;
    }

    private static IResult Refused() => Problem(HttpStatusCode.Unauthorized, "unauthenticated", "The token is unknown, expired or revoked.");

    private static IResult Problem(HttpStatusCode status, string code, string detail) =>
        Results.Text(JsonSerializer.Serialize(new { type = "about:blank", status = (int)status, code, detail }), "application/problem+json", statusCode: (int)status);
}
