using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Http;

/// <summary>
/// A server with auth bootstrapped and on: user <c>root</c> (password <see cref="AuthHttp.RootPassword"/>) with role
/// <c>root</c>, bcrypt at its cheapest cost (4), and an audit file. The Unix socket client (<see cref="ServerFixture.UnixHttp"/>)
/// runs as the server's own Unix user, so it is root without a password.
/// </summary>
public class AuthServerFixture : ServerFixture, IAsyncLifetime
{
    public AuthServerFixture()
        : this(null)
    {
    }

    protected AuthServerFixture(TimeProvider? time)
        : base(time)
    {
        Settings["Auth:BcryptCost"] = "4";
        Settings["Auth:AuditFile"] = AuditFile;
    }

    /// <summary>Where the server appends its audit lines.</summary>
    public string AuditFile => Path.Combine(DataDir, "audit.jsonl");

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        using var root = UnixHttp();
        await AuthHttp.BootstrapAsync(root);
        await AfterBootstrapAsync(root);
    }

    /// <summary>What a fixture adds once auth is on (roles its settings name), as root.</summary>
    protected virtual Task AfterBootstrapAsync(HttpClient root) => Task.CompletedTask;
}

/// <summary>An <see cref="AuthServerFixture"/> on a fake clock (<see cref="Clock"/>).</summary>
public class FakeClockAuthServerFixture() : AuthServerFixture(new FakeTimeProvider(DateTimeOffset.UtcNow))
{
    /// <summary>The server's clock.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)Time!;
}
