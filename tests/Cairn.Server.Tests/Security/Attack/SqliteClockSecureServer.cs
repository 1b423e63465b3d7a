using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on SQLite whose clock moves only when a test moves it
/// (<see cref="SecureServer.Clock"/>); login tokens last 10 minutes of it.</summary>
public sealed class SqliteClockSecureServer : SecureServer
{
    public SqliteClockSecureServer()
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        Settings["Auth:TokenTtl"] = "10m";
    }

    public override string Backend => "sqlite";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.SqliteAsync();
}
