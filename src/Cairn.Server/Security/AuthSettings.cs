using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Cairn.Server.Security;

/// <summary>The <c>Auth</c> settings (<see cref="AuthOptions"/>) read and checked once at start-up, durations resolved.</summary>
/// <param name="Options">The settings as bound.</param>
/// <param name="TokenTtl">How long a login token is valid.</param>
/// <param name="MaxApiTokenTtl">The longest an API token may be made for; null for no cap.</param>
/// <param name="LoginBackoff">The first wait after too many failed logins.</param>
internal sealed record AuthSettings(AuthOptions Options, TimeSpan TokenTtl, TimeSpan? MaxApiTokenTtl, TimeSpan LoginBackoff)
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Auth";

    /// <summary>The longest wait after failed logins: the backoff doubles up to it.</summary>
    public static readonly TimeSpan MaxLoginBackoff = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(3650);

    /// <summary>Binds and checks section <c>Auth</c>.</summary>
    /// <param name="configuration">The server's configuration.</param>
    /// <param name="compatApis">The names of the compat APIs that exist (<c>Auth:ListenerRoles</c> is keyed by them).</param>
    /// <exception cref="StartupException">A setting cannot work; the message names it.</exception>
    public static AuthSettings Read(IConfiguration configuration, IReadOnlyCollection<string> compatApis)
    {
        var options = new AuthOptions();
        try
        {
            configuration.GetSection(Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException($"The {Section} settings are invalid: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }

        if (options.BcryptCost is < 4 or > 31)
        {
            throw new StartupException($"{Section}:BcryptCost must be between 4 and 31 (bcrypt's work factor; 10 is etcd's); got {options.BcryptCost}.");
        }

        if (options.MaxFailedLogins < 1)
        {
            throw new StartupException($"{Section}:MaxFailedLogins must be at least 1; got {options.MaxFailedLogins}.");
        }

        if (options.RequestsPerSecond < 0)
        {
            throw new StartupException($"{Section}:RequestsPerSecond must be 0 (no limit) or more; got {options.RequestsPerSecond}.");
        }

        if (options.Burst < 0)
        {
            throw new StartupException($"{Section}:Burst must be 0 (as many as RequestsPerSecond) or more; got {options.Burst}.");
        }

        if (options.MaxWatchesPerUser < 0)
        {
            throw new StartupException($"{Section}:MaxWatchesPerUser must be 0 (no cap) or more; got {options.MaxWatchesPerUser}.");
        }

        if (options.AnonymousRole is { } anonymous)
        {
            CheckName($"{Section}:AnonymousRole", "role", anonymous);
        }

        foreach (var (api, role) in options.ListenerRoles)
        {
            if (!compatApis.Contains(api, StringComparer.Ordinal))
            {
                throw new StartupException($"{Section}:ListenerRoles:{api}: there is no compat API '{api}' on this server; the APIs are {string.Join(", ", compatApis.Order(StringComparer.Ordinal))}.");
            }

            CheckName($"{Section}:ListenerRoles:{api}", "role", role);
        }

        foreach (var (unix, user) in options.UnixUsers)
        {
            if (string.IsNullOrWhiteSpace(unix))
            {
                throw new StartupException($"{Section}:UnixUsers has an empty Unix user name.");
            }

            CheckName($"{Section}:UnixUsers:{unix}", "user", user);
        }

        var tokenTtl = Settings.Duration($"{Section}:TokenTtl", options.TokenTtl, TimeSpan.FromHours(1), max: MaxTtl);
        TimeSpan? maxApi = options.MaxApiTokenTtl is null ? null : Settings.Duration($"{Section}:MaxApiTokenTtl", options.MaxApiTokenTtl, TimeSpan.Zero, max: MaxTtl);
        var backoff = Settings.Duration($"{Section}:LoginBackoff", options.LoginBackoff, TimeSpan.FromSeconds(1), max: MaxLoginBackoff);
        return new AuthSettings(options, tokenTtl, maxApi, backoff);
    }

    /// <summary>The size of the rate limiter's bucket.</summary>
    public int Burst => Options.Burst > 0 ? Options.Burst : Options.RequestsPerSecond;

    private static void CheckName(string setting, string what, string name)
    {
        try
        {
            AuthNames.Validate(what, name);
        }
        catch (InvalidArgumentException ex)
        {
            throw new StartupException($"{setting}: {ex.Message}", ex);
        }
    }
}
