namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="ExpiryTests"/> on SQLite.</summary>
public sealed class ExpirySqliteTests(SqliteClockSecureServer server) : ExpiryTests(server), IClassFixture<SqliteClockSecureServer>;
