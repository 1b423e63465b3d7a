namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on the embedded SQLite store.</summary>
public sealed class SqliteSecureServer() : SecureServer(null)
{
    public override string Backend => "sqlite";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.SqliteAsync();
}
