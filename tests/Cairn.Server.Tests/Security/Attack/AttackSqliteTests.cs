namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackTests"/> on SQLite.</summary>
public sealed class AttackSqliteTests(SqliteSecureServer server) : AttackTests(server), IClassFixture<SqliteSecureServer>;
