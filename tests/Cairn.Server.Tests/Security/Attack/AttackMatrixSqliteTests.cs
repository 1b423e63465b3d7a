namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackMatrixTests"/> on SQLite.</summary>
public sealed class AttackMatrixSqliteTests(SqliteSecureServer server) : AttackMatrixTests(server), IClassFixture<SqliteSecureServer>;
