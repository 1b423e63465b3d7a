namespace Cairn.Coordination.Tests.Pools;

// The pool and queue suites on every backend: the embedded store (a new database per test), etcd (the assembly's one
// server, in its collection) and ZooKeeper (one server, a keyspace of its own per test).
public sealed class SqlitePoolStoreTests(SqliteBackend b) : PoolStoreBehaviour(b), IClassFixture<SqliteBackend>;
[Collection(EtcdBackend.Collection)] public sealed class EtcdPoolStoreTests(EtcdBackend b) : PoolStoreBehaviour(b);
public sealed class ZooKeeperPoolStoreTests(ZooKeeperBackend b) : PoolStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;

public sealed class SqliteQueueStoreTests(SqliteBackend b) : QueueStoreBehaviour(b), IClassFixture<SqliteBackend>;
[Collection(EtcdBackend.Collection)] public sealed class EtcdQueueStoreTests(EtcdBackend b) : QueueStoreBehaviour(b);
public sealed class ZooKeeperQueueStoreTests(ZooKeeperBackend b) : QueueStoreBehaviour(b), IClassFixture<ZooKeeperBackend>;
public sealed class LogPoolStoreTests(LogBackend b) : PoolStoreBehaviour(b), IClassFixture<LogBackend>;
