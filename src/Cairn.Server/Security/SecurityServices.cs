using Cairn.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>How the auth core enters the server: one registration, as a module's.</summary>
internal static class SecurityServices
{
    /// <summary>
    /// Registers <see cref="AccessControl"/> (a singleton the container owns and disposes), <see cref="AuthStore"/>, the
    /// <see cref="AuthOptions"/> given, and a hosted service that loads the auth settings when the host starts (before the
    /// server listens: hosted services added here start before Kestrel's). Uses the container's <see cref="IKeyspace"/> and
    /// <see cref="TimeProvider"/>.
    /// </summary>
    /// <exception cref="StartupException">A setting of <paramref name="options"/> is out of range (bcrypt cost, API token TTL).</exception>
    public static IServiceCollection AddCore(IServiceCollection services, AuthOptions options)
    {
        // Checked now, so that a bad setting stops the server before it starts rather than on first use.
        _ = new Passwords(options.BcryptCost);
        if (options.MaxApiTokenTtl is { } max && (!Durations.TryParse(max, out var ttl) || ttl <= TimeSpan.Zero))
        {
            throw new StartupException($"Auth:MaxApiTokenTtl '{max}' is not a positive duration: write {Durations.Forms}.");
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => new AccessControl(
            sp.GetRequiredService<IKeyspace>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AccessControl>>()));
        services.AddSingleton(sp => new AuthStore(
            sp.GetRequiredService<IKeyspace>(), sp.GetRequiredService<AccessControl>(), sp.GetRequiredService<TimeProvider>(), options));
        services.AddHostedService(sp => new AccessControlStarter(sp.GetRequiredService<AccessControl>()));
        return services;
    }

    /// <summary>Loads the auth settings when the host starts; the container disposes <see cref="AccessControl"/> at the end.</summary>
    private sealed class AccessControlStarter(AccessControl access) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => access.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
