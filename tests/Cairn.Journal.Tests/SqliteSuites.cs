namespace Cairn.Journal.Tests;

// The journal's suites on the embedded store: a new database per test; the classes run in parallel.
public sealed class SqliteJournalConformance(SqliteBackend b) : JournalConformance(b), IClassFixture<SqliteBackend>;
public sealed class ArchiveSqliteTests(SqliteBackend b) : ArchiveBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class LargeMessageSqliteTests(SqliteBackend b) : LargeMessageBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteJournalInputConformance(SqliteBackend b) : JournalInputConformance(b), IClassFixture<SqliteBackend>;
