using Cairn.Carts.Tests.Node;
using Cairn.Carts.Tests.Store;

namespace Cairn.Carts.Tests;

// Carts on the embedded store: a new database per test; the classes run in parallel.
public sealed class SqliteCartStoreTests(SqliteBackend b) : CartStoreBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteCartNodeTests(SqliteBackend b) : CartNodeBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteCartDiskTests(SqliteBackend b) : CartDiskBehaviour(b), IClassFixture<SqliteBackend>;
public sealed class SqliteCartPacificaTests(SqliteBackend b) : CartPacificaBehaviour(b), IClassFixture<SqliteBackend>;
