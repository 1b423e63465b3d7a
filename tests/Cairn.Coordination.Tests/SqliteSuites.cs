namespace Cairn.Coordination.Tests;

// Coordination on the embedded store: a new database per test; the classes run in parallel.
public sealed class SqliteLeaderElectionTests(SqliteBackend b) : LeaderElectionBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteNodeRegistrationTests(SqliteBackend b) : NodeRegistrationBehaviour(b), IClassFixture<SqliteBackend>;
