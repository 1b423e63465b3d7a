using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>How the host takes in authentication and authorization: the <c>Auth</c> settings, the services, and the
/// middleware in the request pipeline.</summary>
internal static class SecurityServices
{
    /// <summary>Reads and checks section <c>Auth</c> and registers the access control, the auth store, the audit log and
    /// the limits.</summary>
    /// <param name="services">The server's services.</param>
    /// <param name="configuration">The server's configuration.</param>
    /// <param name="compatApis">The names of the compat APIs of this server.</param>
    /// <param name="time">The server's clock.</param>
    /// <exception cref="StartupException">A setting cannot work; the message names it.</exception>
    public static AuthSettings Add(IServiceCollection services, IConfiguration configuration, IReadOnlyCollection<string> compatApis, TimeProvider time)
    {
        var settings = AuthSettings.Read(configuration, compatApis);
        services.AddSingleton(settings);
        services.AddSingleton(settings.Options);
        services.AddSingleton<AccessControl>();
        services.AddSingleton<AuthStore>();
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<ILoggerFactory>(), time, settings.Options.AuditFile));
        services.AddSingleton<UnixPeerUsers>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<CallerLimits>();
        CallerLimits.AddRateLimiter(services, settings, time);
        return settings;
    }

    /// <summary>Adds authentication, the rate limit and authorization to the pipeline: after routing (authorization reads
    /// the endpoint's metadata) and before any endpoint.</summary>
    public static void UseAuth(this WebApplication app, AuthSettings settings)
    {
        app.UseMiddleware<AuthenticationMiddleware>();
        if (settings.Options.RequestsPerSecond > 0)
        {
            app.UseRateLimiter();
        }

        app.UseMiddleware<AuthorizationMiddleware>();
    }

    /// <summary>Adds the cap on open streams per caller; after <c>UseWebSockets</c>, which tells upgrades apart.</summary>
    public static void UseStreamCap(this WebApplication app) => app.UseMiddleware<CallerLimits>();

    /// <summary>Loads the auth settings from the store before the server listens (no request is served on a guess).</summary>
    public static Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        // The audit file is opened now too, so that a bad Auth:AuditFile stops the start with its own message.
        _ = services.GetRequiredService<AuditLog>();
        return services.GetRequiredService<AccessControl>().InitializeAsync(cancellationToken);
    }
}
