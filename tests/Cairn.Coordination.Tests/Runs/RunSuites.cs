namespace Cairn.Coordination.Tests.Runs;

// Runs on every backend: a new database per test (SQLite), the shared etcd emptied per test, a keyspace of its own per
// test on the shared ZooKeeper.
public sealed class SqliteRunStoreTests(SqliteBackend b) : RunStoreBehaviour(b), IClassFixture<SqliteBackend>;
[Collection(EtcdBackend.Collection)] public sealed class EtcdRunStoreTests(EtcdBackend b) : RunStoreBehaviour(b);
public sealed class ZooKeeperRunStoreTests(ZooKeeperBackend b) : RunStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class LogRunStoreTests(LogBackend b) : RunStoreBehaviour(b), IClassFixture<LogBackend>;
